import { createServer as createNetServer } from 'node:net';
import * as client from 'openid-client';
import { startTestApp, type TestApp, type TestAppOptions } from './app.ts';

// OpenID Connect in tests: a Gatehouse whose public URL is its real address (the issuer must be),
// applications registered by the operator, and a browser that follows redirects with its cookies and
// signs in on the console's page the way the console does (through the sign-in API).

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startOidcTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const port = await freePort();
  return startTestApp({ GATEHOUSE_PUBLIC_URL: `http://127.0.0.1:${port}`, ...env }, { ...options, port });
}

export interface RegisteredApplication {
  id: string;
  clientId: string;
  clientSecret?: string;
}

export async function registerApplication(test: TestApp, body: Record<string, unknown>): Promise<RegisteredApplication> {
  const created = await test.operator.post('/operator/v1/applications', { name: 'Reporting', kind: 'web', redirectUris: ['http://localhost:5173/callback'], ...body });
  if (created.status !== 201) throw new Error(`application not registered: ${JSON.stringify(created.body)}`);
  return created.body as RegisteredApplication;
}

/** openid-client's view of Gatehouse for one application (plain http is allowed: tests run locally). */
export async function relyingParty(test: TestApp, application: RegisteredApplication): Promise<client.Configuration> {
  const authentication = application.clientSecret ? client.ClientSecretPost(application.clientSecret) : client.None();
  return client.discovery(new URL(test.url), application.clientId, application.clientSecret, authentication, { execute: [client.allowInsecureRequests] });
}

/** A browser: a cookie jar, redirects followed by hand, the console's sign-in done as the console does it. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(new URL(url, this.base), { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const separator = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, separator).trim();
      const value = (pair ?? '').slice(separator + 1);
      const expired = value === '' || attributes.some((a) => /expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Signs in on the console (licence, login, password), as its sign-in page does. */
  async signIn(licence: string, login: string, password: string): Promise<void> {
    const answer = await this.fetch('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ licence, login, password }) });
    if (answer.status !== 200) throw new Error(`sign-in failed: ${answer.status} ${await answer.text()}`);
  }

  /**
   * Follows redirects from `url` until the browser leaves Gatehouse (the application's redirect URI,
   * answered with that URL), or lands on the console's sign-in page (answered as such), or on a page.
   */
  async follow(url: string): Promise<{ kind: 'left'; url: URL } | { kind: 'sign-in'; url: URL } | { kind: 'page'; status: number; body: string }> {
    let next = new URL(url, this.base);
    for (let hops = 0; hops < 20; hops++) {
      if (next.origin !== new URL(this.base).origin) return { kind: 'left', url: next };
      if (next.pathname === '/sign-in') return { kind: 'sign-in', url: next };
      const response = await this.fetch(next.href);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        next = new URL(location, next);
        continue;
      }
      return { kind: 'page', status: response.status, body: await response.text() };
    }
    throw new Error('too many redirects');
  }
}

/**
 * The whole authorization code flow with PKCE: the browser goes to Gatehouse, signs in when asked,
 * comes back with a code; answers the callback URL and what the application must check it with.
 */
export async function authorize(
  config: client.Configuration,
  browser: Browser,
  person: { licence: string; login: string; password: string } | null,
  parameters: Record<string, string> = {},
): Promise<{ callback: URL; verifier: string; state: string; nonce: string }> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: 'http://localhost:5173/callback',
    scope: 'openid profile email gatehouse',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...parameters,
  });
  let reached = await browser.follow(url.href);
  if (reached.kind === 'sign-in') {
    if (person === null) throw new Error('asked to sign in');
    await browser.signIn(person.licence, person.login, person.password);
    const continueTo = reached.url.searchParams.get('continue');
    if (continueTo === null) throw new Error('sign-in page without continue');
    reached = await browser.follow(continueTo);
  }
  if (reached.kind !== 'left') throw new Error(`did not come back to the application: ${reached.kind === 'page' ? `${reached.status} ${reached.body.slice(0, 500)}` : reached.url.href}`);
  return { callback: reached.url, verifier, state, nonce };
}
