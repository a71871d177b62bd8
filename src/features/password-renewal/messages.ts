import type { Language } from '../../core/catalog.ts';

// The renewal reminders, in the reader's language: a person's password, and an API account's secret.

const lang = (language: string | null): Language => (language === 'fr' ? 'fr' : 'en');

/** A day as the reader writes it, in UTC like every time of the service. */
const dayIn = (language: Language, day: Date) => new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(day);

export function passwordReminderMessage(language: string, v: { firstName: string; login: string; licenceName: string; dueAt: Date; accountUrl: string }) {
  const reader = lang(language);
  const due = dayIn(reader, v.dueAt);
  return reader === 'fr'
    ? {
        subject: `Votre mot de passe ${v.licenceName} est à renouveler avant le ${due}`,
        text: `Bonjour ${v.firstName},\n\nLa licence ${v.licenceName} demande un nouveau mot de passe à intervalles réguliers. Celui de votre identifiant « ${v.login} » est à changer avant le ${due} ; passé cette date, il vous sera demandé d'en choisir un nouveau à la connexion.\n\nVous pouvez le changer dès maintenant depuis Mon compte :\n\n${v.accountUrl}\n\nLe nouveau mot de passe doit être différent des cinq derniers.\n`,
      }
    : {
        subject: `Your ${v.licenceName} password is due for renewal by ${due}`,
        text: `Hello ${v.firstName},\n\nThe licence ${v.licenceName} asks for a new password at regular intervals. The one of your login "${v.login}" is due for renewal by ${due}; after that date you will be asked to choose a new one when you sign in.\n\nYou can change it now from My account:\n\n${v.accountUrl}\n\nThe new password must differ from your last five.\n`,
      };
}

export function apiSecretReminderMessage(language: string | null, v: { firstName: string; login: string; licenceName: string; expiresAt: Date }) {
  const reader = lang(language);
  const expires = dayIn(reader, v.expiresAt);
  return reader === 'fr'
    ? {
        subject: `Le secret du compte API « ${v.login} » expire le ${expires}`,
        text: `Bonjour ${v.firstName},\n\nLe secret du compte API « ${v.login} » de la licence ${v.licenceName} expire le ${expires} : ensuite, il ne permettra plus d'obtenir de jeton.\nDemandez à un administrateur de la licence d'en faire émettre un nouveau avant cette date.\n`,
      }
    : {
        subject: `The secret of the API account "${v.login}" expires on ${expires}`,
        text: `Hello ${v.firstName},\n\nThe secret of the API account "${v.login}" of the licence ${v.licenceName} expires on ${expires}: after that, it will no longer obtain tokens.\nAsk an administrator of the licence to have a new one issued before that date.\n`,
      };
}
