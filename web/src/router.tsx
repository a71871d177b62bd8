import i18next from 'i18next';
import { useEffect, useMemo, useState, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

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

// Forms holding changes not saved yet, one token each. Leaving the page (a link, the menu, Back, a
// reload, closing the tab, signing out) asks first, so an admin never loses a half-filled form unawares.
const unsaved = new Set<object>();

/**
 * Whether the person may leave what they are on: yes when no form holds unsaved changes, else what
 * they answer (the browser's own confirmation, as for a reload; keyboard and screen readers know it).
 */
export function confirmLeaving(): boolean {
  if (unsaved.size === 0) return true;
  if (!window.confirm(i18next.t('unsaved.leave'))) return false;
  unsaved.clear();
  return true;
}

/**
 * Marks a form as holding unsaved changes while `dirty`. Call `saved()` once they are saved, before
 * moving on: the form may navigate away in the same moment.
 */
export function useUnsavedChanges(dirty: boolean): { saved(): void } {
  const token = useMemo(() => ({}), []);
  useEffect(() => {
    if (!dirty) return;
    unsaved.add(token);
    return () => {
      unsaved.delete(token);
    };
  }, [dirty, token]);
  return useMemo(() => ({ saved: () => unsaved.delete(token) }), [token]);
}

/**
 * `useUnsavedChanges` for a form whose values are all it holds: unsaved while they differ from the
 * values it opened with (compared as JSON; give a Set as a sorted array).
 */
export function useUnsavedValues(values: unknown): { saved(): void } {
  const now = JSON.stringify(values);
  const [opened] = useState(now);
  return useUnsavedChanges(now !== opened);
}

window.addEventListener('beforeunload', (event) => {
  if (unsaved.size === 0) return;
  event.preventDefault();
  // Older browsers show the prompt only when returnValue is set.
  event.returnValue = '';
});

// Back and Forward: the page stays (its address put back) when the person keeps their changes. This
// listener is added before any of the router's own, so it can stop them from following.
let shownHref = currentHref();
window.addEventListener('popstate', (event) => {
  if (confirmLeaving()) {
    shownHref = currentHref();
    return;
  }
  event.stopImmediatePropagation();
  window.history.pushState(null, '', shownHref);
});

/** Goes to another page of the console; a replacing navigation (a redirect) does not ask about unsaved changes. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentHref()) return;
  if (!options.replace && !confirmLeaving()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  shownHref = to;
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
