import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Language } from '../../core/catalog.ts';
import { preferredLanguage } from '../../platform/http/language.ts';

// The few pages the OpenID Provider shows itself (a refusal, the sign-out confirmation, signed out),
// in English or French after the browser's preference. Everything else a person sees is the
// console's own sign-in page. No inline script or style: the pages obey the console's CSP.

export const PAGES_STYLESHEET = '/oidc/pages.css';

export const PAGES_CSS = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1f2933;margin:0}
main{max-width:28rem;margin:12vh auto;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:2rem}
h1{font-size:1.3rem;margin:0 0 1rem}p{line-height:1.5}.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button,a.button{font:inherit;padding:.55rem 1rem;border-radius:6px;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer;text-decoration:none}
button.secondary{background:#fff;color:#1d4ed8}code{background:#f0f2f5;padding:.1rem .3rem;border-radius:4px}`;


const TEXT = {
  en: {
    errorTitle: 'This sign-in cannot go on',
    errorBack: 'Go back to the application and try again. If it happens again, tell your administrator.',
    logoutTitle: 'Sign out?',
    logoutBody: (host: string) => `You are about to sign out of ${host} and of every application you signed in to with it.`,
    logoutYes: 'Sign out',
    logoutNo: 'Stay signed in',
    loggedOutTitle: 'You are signed out',
    loggedOutBody: 'You are signed out of Gatehouse and of the applications you signed in to with it.',
    console: 'Open the console',
  },
  fr: {
    errorTitle: 'Cette connexion ne peut pas aboutir',
    errorBack: "Revenez à l'application et réessayez. Si cela se reproduit, prévenez votre administrateur.",
    logoutTitle: 'Se déconnecter ?',
    logoutBody: (host: string) => `Vous allez vous déconnecter de ${host} et de toutes les applications où vous vous êtes connecté avec.`,
    logoutYes: 'Se déconnecter',
    logoutNo: 'Rester connecté',
    loggedOutTitle: 'Vous êtes déconnecté',
    loggedOutBody: 'Vous êtes déconnecté de Gatehouse et des applications où vous vous êtes connecté avec.',
    console: 'Ouvrir la console',
  },
} as const;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function page(language: Language, title: string, body: string): string {
  return `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Gatehouse</title><link rel="stylesheet" href="${PAGES_STYLESHEET}"></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/** A refusal the person can understand, with the protocol's own error for whoever reads further. */
export function refusalPage(language: Language, reason: string, code?: string): string {
  const text = TEXT[language];
  return page(language, text.errorTitle, `<p>${escapeHtml(reason)}</p><p>${escapeHtml(text.errorBack)}</p>${code ? `<p><code>${escapeHtml(code)}</code></p>` : ''}`);
}

export function errorPage(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): void {
  const language = preferredLanguage(ctx.get('accept-language'));
  ctx.type = 'html';
  ctx.body = refusalPage(language, out.error_description ?? out.error, out.error);
}

export function logoutConfirmPage(ctx: KoaContextWithOIDC, form: string): void {
  const language = preferredLanguage(ctx.get('accept-language'));
  const text = TEXT[language];
  ctx.type = 'html';
  ctx.body = page(
    language,
    text.logoutTitle,
    `<p>${escapeHtml(text.logoutBody(ctx.host))}</p>${form}<div class="actions"><button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">${escapeHtml(text.logoutYes)}</button><button class="secondary" type="submit" form="op.logoutForm">${escapeHtml(text.logoutNo)}</button></div>`,
  );
}

export function loggedOutPage(ctx: KoaContextWithOIDC): void {
  const language = preferredLanguage(ctx.get('accept-language'));
  const text = TEXT[language];
  ctx.type = 'html';
  ctx.body = page(language, text.loggedOutTitle, `<p>${escapeHtml(text.loggedOutBody)}</p><div class="actions"><a class="button" href="/">${escapeHtml(text.console)}</a></div>`);
}
