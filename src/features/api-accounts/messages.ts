import type { Language } from '../../core/catalog.ts';

// What API account holders and the admins who asked for them receive, in their language.

const lang = (language: string): Language => (language === 'fr' ? 'fr' : 'en');

export function requestOutcomeMessage(language: string, v: { login: string; licenceName: string; outcome: 'fulfilled' | 'rejected'; reason?: string | null; delivery?: 'transfer-box' | 'sms' }) {
  const fr = lang(language) === 'fr';
  if (v.outcome === 'fulfilled') {
    const where = fr
      ? v.delivery === 'transfer-box' ? 'dans la Transfer Box du titulaire' : 'par SMS au titulaire'
      : v.delivery === 'transfer-box' ? "in the holder's Transfer Box" : 'to the holder by SMS';
    return fr
      ? { subject: `Compte API « ${v.login} » créé`, text: `Bonjour,\n\nLe compte API « ${v.login} » demandé pour la licence ${v.licenceName} a été créé.\nSon secret a été remis ${where} ; personne d'autre ne le voit.\n` }
      : { subject: `API account "${v.login}" created`, text: `Hello,\n\nThe API account "${v.login}" you asked for on the licence ${v.licenceName} has been created.\nIts secret was delivered ${where}; nobody else sees it.\n` };
  }
  return fr
    ? { subject: `Demande de compte API « ${v.login} » refusée`, text: `Bonjour,\n\nLa demande de compte API « ${v.login} » pour la licence ${v.licenceName} a été refusée.\nMotif : ${v.reason ?? ''}\n` }
    : { subject: `API account request "${v.login}" rejected`, text: `Hello,\n\nThe request for the API account "${v.login}" on the licence ${v.licenceName} was rejected.\nReason: ${v.reason ?? ''}\n` };
}

/** The secret itself: in a Transfer Box item or an SMS, nowhere else. */
export function secretDelivery(v: { login: string; licenceCode: string; secret: string }) {
  return {
    itemName: `API account ${v.login} - secret.txt`,
    itemText: `Client id: ${v.licenceCode}/${v.login}\nClient secret: ${v.secret}\n\nRequest tokens with POST /api/v1/auth/token (grant_type=client_credentials).\nKeep this secret safe: Gatehouse does not keep a readable copy.\n`,
    sms: `Gatehouse: API account ${v.licenceCode}/${v.login}, secret: ${v.secret}`,
  };
}
