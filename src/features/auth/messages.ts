import type { Language } from '../../core/catalog.ts';

// The e-mails of sign-in and credentials, in every language a user may have.

export interface PasswordLinkMessage {
  firstName: string;
  login: string;
  licenceName: string;
  link: string;
  validFor: string;
}

type Template = (values: PasswordLinkMessage) => { subject: string; text: string };

const VALID_FOR: Record<'welcome' | 'reset', Record<Language, string>> = {
  welcome: { en: '7 days', fr: '7 jours' },
  reset: { en: '1 hour', fr: '1 heure' },
};

const TEMPLATES: Record<'welcome' | 'reset', Record<Language, Template>> = {
  welcome: {
    en: (v) => ({
      subject: `Your ${v.licenceName} account`,
      text: `Hello ${v.firstName},\n\nAn account with the login "${v.login}" was created for you on the licence ${v.licenceName}.\nChoose your password with this link, valid for ${v.validFor}:\n\n${v.link}\n\nIf you did not expect this message, you can ignore it.\n`,
    }),
    fr: (v) => ({
      subject: `Votre compte ${v.licenceName}`,
      text: `Bonjour ${v.firstName},\n\nUn compte avec l'identifiant « ${v.login} » a été créé pour vous sur la licence ${v.licenceName}.\nChoisissez votre mot de passe avec ce lien, valable ${v.validFor} :\n\n${v.link}\n\nSi vous n'attendiez pas ce message, vous pouvez l'ignorer.\n`,
    }),
  },
  reset: {
    en: (v) => ({
      subject: `Reset your ${v.licenceName} password`,
      text: `Hello ${v.firstName},\n\nA new password was requested for your login "${v.login}" on the licence ${v.licenceName}.\nChoose it with this link, valid for ${v.validFor} and usable once:\n\n${v.link}\n\nIf you did not ask for it, contact your administrator.\n`,
    }),
    fr: (v) => ({
      subject: `Réinitialisez votre mot de passe ${v.licenceName}`,
      text: `Bonjour ${v.firstName},\n\nUn nouveau mot de passe a été demandé pour votre identifiant « ${v.login} » sur la licence ${v.licenceName}.\nChoisissez-le avec ce lien, valable ${v.validFor} et utilisable une seule fois :\n\n${v.link}\n\nSi vous ne l'avez pas demandé, contactez votre administrateur.\n`,
    }),
  },
};

export function passwordLinkMessage(purpose: 'welcome' | 'reset', language: string, values: Omit<PasswordLinkMessage, 'validFor'>) {
  const lang: Language = language === 'fr' ? 'fr' : 'en';
  return TEMPLATES[purpose][lang]({ ...values, validFor: VALID_FOR[purpose][lang] });
}

/** The SMS carrying a sign-in code: short, the code first so phones can offer to fill it in. */
export function signInCodeMessage(language: string, values: { code: string; licenceName: string; validMinutes: number }): string {
  return language === 'fr'
    ? `${values.code} est votre code de connexion ${values.licenceName}, valable ${values.validMinutes} minutes. Ne le communiquez à personne.`
    : `${values.code} is your ${values.licenceName} sign-in code, valid for ${values.validMinutes} minutes. Never share it.`;
}
