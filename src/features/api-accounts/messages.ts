import type { Language } from '../../core/catalog.ts';
import { standardConfiguration } from '../../core/rights-configurations.ts';

// What API account holders and the admins who asked for them receive, in their language.

const lang = (language: string): Language => (language === 'fr' ? 'fr' : 'en');

/** A rights configuration as the reader calls it: a standard one by its name in their language, a tailor-made one by its own. */
export function configurationNameIn(language: string, configuration: { kind: string; key: string; name: string }): string {
  if (configuration.kind === 'custom') return configuration.name;
  return standardConfiguration(configuration.key)?.name[lang(language)] ?? configuration.name;
}

export function requestOutcomeMessage(
  language: string,
  v: { login: string; licenceName: string; outcome: 'fulfilled' | 'rejected'; reason?: string | null; delivery?: 'transfer-box' | 'sms'; configuration?: { kind: string; key: string; name: string } },
) {
  const fr = lang(language) === 'fr';
  if (v.outcome === 'fulfilled') {
    const where = fr
      ? v.delivery === 'transfer-box' ? 'dans la Transfer Box du titulaire' : 'par SMS au titulaire'
      : v.delivery === 'transfer-box' ? "in the holder's Transfer Box" : 'to the holder by SMS';
    const rights = v.configuration === undefined ? '' : fr ? `Configuration de droits : ${configurationNameIn(language, v.configuration)}.\n` : `Rights configuration: ${configurationNameIn(language, v.configuration)}.\n`;
    return fr
      ? { subject: `Compte API « ${v.login} » créé`, text: `Bonjour,\n\nLe compte API « ${v.login} » demandé pour la licence ${v.licenceName} a été créé.\n${rights}Son secret a été remis ${where} ; personne d'autre ne le voit.\n` }
      : { subject: `API account "${v.login}" created`, text: `Hello,\n\nThe API account "${v.login}" you asked for on the licence ${v.licenceName} has been created.\n${rights}Its secret was delivered ${where}; nobody else sees it.\n` };
  }
  return fr
    ? { subject: `Demande de compte API « ${v.login} » refusée`, text: `Bonjour,\n\nLa demande de compte API « ${v.login} » pour la licence ${v.licenceName} a été refusée.\nMotif : ${v.reason ?? ''}\n` }
    : { subject: `API account request "${v.login}" rejected`, text: `Hello,\n\nThe request for the API account "${v.login}" on the licence ${v.licenceName} was rejected.\nReason: ${v.reason ?? ''}\n` };
}

/** The secret itself, in the reader's language: in a Transfer Box item or an SMS, nowhere else. */
export function secretDelivery(language: string, v: { login: string; licenceCode: string; secret: string }) {
  const clientId = `${v.licenceCode}/${v.login}`;
  if (lang(language) === 'fr') {
    return {
      itemName: `Compte API ${v.login} - secret.txt`,
      itemText: `Identifiant client (client id) : ${clientId}\nSecret client (client secret) : ${v.secret}\n\nDemandez des jetons par POST /api/v1/auth/token (grant_type=client_credentials).\nGardez ce secret en lieu sûr : Gatehouse n'en garde aucune copie lisible.\n`,
      sms: `Gatehouse : compte API ${clientId}, secret : ${v.secret}`,
    };
  }
  return {
    itemName: `API account ${v.login} - secret.txt`,
    itemText: `Client id: ${clientId}\nClient secret: ${v.secret}\n\nRequest tokens with POST /api/v1/auth/token (grant_type=client_credentials).\nKeep this secret safe: Gatehouse does not keep a readable copy.\n`,
    sms: `Gatehouse: API account ${clientId}, secret: ${v.secret}`,
  };
}
