import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

// A router of a few lines over the History API: the console has a dozen routes and needs no more.

const NAVIGATED = 'gatehouse:navigated';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

const currentHref = () => window.location.pathname + window.location.search;

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentHref()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATED));
}

export interface Location {
  path: string;
  search: URLSearchParams;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, currentHref);
  const url = new URL(href, window.location.origin);
  return { path: url.pathname.replace(/\/+$/, '') || '/', search: url.searchParams };
}

/** Matches `/users/:id` against a path; answers the named parts, or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const patternParts = pattern.split('/').filter(Boolean);
  const pathParts = path.split('/').filter(Boolean);
  if (patternParts.length !== pathParts.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of patternParts.entries()) {
    const actual = pathParts[index] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(actual);
    else if (part !== actual) return null;
  }
  return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    // Let the browser handle new tabs and modified clicks.
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} {...rest} />;
}

let leavingFor: string | null = null;
// A page brought back from the back-forward cache may leave again.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) leavingFor = null;
});

/**
 * Leaves the console for another page of this server (the OpenID Provider's step), once: a second
 * assignment while the page unloads would cancel the first navigation after the server had acted on
 * it, and replay a step the provider has already consumed ("this sign-in request was already used").
 */
export function leaveFor(target: string): void {
  if (leavingFor !== null) return;
  leavingFor = target;
  window.location.assign(target);
}

/**
 * Where an application's sign-in goes on once the person is signed in: the OpenID Provider's step of
 * this server (`/oidc/...`), never another site; null for anything else.
 */
export function safeContinue(target: string | null): string | null {
  return target !== null && target.startsWith('/oidc/') && !target.startsWith('//') ? target : null;
}

/** Only paths of this console are followed after sign-in, never another site. */
export function safeNext(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}
