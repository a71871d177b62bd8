import type { FieldError } from '../../platform/http/problems.ts';

// What an application may register as a redirect, post-logout or back-channel logout URI. The OpenID
// Provider compares redirect URIs as exact strings, so a URI is kept as typed, and refused when it
// could match more than itself (a wildcard) or leak a code (plain http off this machine, a fragment).

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** RFC 8252 §7.1: a native app's private-use scheme is a reverse domain name, e.g. com.example.app. */
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(?:\.[a-z0-9+-]+)+:$/;

type UriProblem = Omit<FieldError, 'field'>;

const HTTPS_RULE = 'must use https (plain http only on localhost, 127.0.0.1 or [::1])';

/** What is wrong with a URI, or null. `privateUse`: a native app may also use a private-use scheme. */
export function uriProblem(value: string, options: { privateUse: boolean }): UriProblem | null {
  if (/\s/.test(value)) return { code: 'invalid_uri', message: 'must not contain spaces' };
  if (value.includes('*')) return { code: 'wildcard_not_allowed', message: 'must be exact: wildcards are not allowed' };
  if (value.includes('#')) return { code: 'fragment_not_allowed', message: 'must not have a fragment (#…)' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { code: 'invalid_uri', message: 'must be an absolute URI' };
  }
  if (url.username !== '' || url.password !== '') return { code: 'invalid_uri', message: 'must not hold a user name or password' };
  if (url.protocol === 'https:' || url.protocol === 'http:') {
    // The URL parser forgives "https:host/path"; the provider will not, as it compares strings.
    if (!/^https?:\/\/[^/]/i.test(value)) return { code: 'invalid_uri', message: 'must be an absolute URI, e.g. https://app.example.com/callback' };
    if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return { code: 'https_required', message: HTTPS_RULE };
    return null;
  }
  if (options.privateUse && PRIVATE_USE_SCHEME.test(url.protocol)) return null;
  return options.privateUse
    ? { code: 'scheme_not_allowed', message: `${HTTPS_RULE}, or a private-use scheme such as com.example.app:/callback` }
    : { code: 'https_required', message: HTTPS_RULE };
}

/** The field errors of a list of URIs, each named by its place, e.g. redirectUris.0. */
export function uriListErrors(field: string, values: readonly string[], options: { privateUse: boolean }): FieldError[] {
  return values.flatMap((value, index) => {
    const problem = uriProblem(value, options);
    return problem === null ? [] : [{ field: `${field}.${index}`, ...problem }];
  });
}
