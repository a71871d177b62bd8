import { createServer, type Server } from 'node:http';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, signIn, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';
import { authorize, Browser, freePort, registerApplication, relyingParty, startOidcTestApp, type RegisteredApplication } from '../support/oidc.ts';

// One single sign-on session for the console and the applications: signing out of either signs out
// of both; a deactivated user's applications lose everything at once; prompt=login and max_age
// ask again; a licence that does not subscribe to an application's catalog application is refused.

let test: TestApp;
let fixture: LicenceFixture;
let receiver: Server;
const logoutTokens: string[] = [];
let web: RegisteredApplication;
let config: client.Configuration;

beforeAll(async () => {
  const port = await freePort();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (token) logoutTokens.push(token);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  test = await startOidcTestApp();
  fixture = await createLicence(test);
  web = await registerApplication(test, {
    name: 'Reporting',
    kind: 'web',
    redirectUris: ['http://localhost:5173/callback'],
    postLogoutRedirectUris: ['http://localhost:5173/signed-out'],
    backchannelLogoutUri: `http://localhost:${port}/backchannel`,
  });
  config = await relyingParty(test, web);
});

afterAll(async () => {
  await test?.close();
  receiver?.close();
});

async function newPerson() {
  const user = (await fixture.adminClient.post('/api/v1/users', newUser(fixture))).body;
  await signIn(test, fixture.code, user);
  return { user, person: { licence: fixture.code, login: user.login as string, password: TEST_PASSWORD } };
}

async function signedInToApplication(person: { licence: string; login: string; password: string }, browser = new Browser(test.url)) {
  const { callback, verifier, state, nonce } = await authorize(config, browser, person, { resource: `${test.url}/api/v1` });
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, { resource: `${test.url}/api/v1` });
  return { browser, tokens };
}

/** The logout tokens the application was sent for this subject, once the outbox has run. */
async function logoutTokensFor(sub: string): Promise<Record<string, unknown>[]> {
  await test.app.outbox.deliverDue();
  return logoutTokens.map((token) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString())).filter((claims) => claims.sub === sub);
}

describe('revocation from Gatehouse', () => {
  it('a deactivation ends the application session: refresh fails, the API refuses the token, a back-channel logout arrives', async () => {
    const { user, person } = await newPerson();
    const { tokens } = await signedInToApplication(person);
    const api = test.anonymous().withBearer(tokens.access_token);
    expect((await api.post('/api/v1/authorize', { permission: 'profiles.profiles.view' })).status).toBe(200);

    expect((await fixture.adminClient.post(`/api/v1/users/${user.id}/deactivate`)).status).toBe(200);

    expect((await api.post('/api/v1/authorize', { permission: 'profiles.profiles.view' })).status).toBe(401);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.tokenIntrospection(config, tokens.refresh_token as string)).active).toBe(false);
    const notices = await logoutTokensFor(user.id);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ iss: test.url, aud: web.clientId, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
    expect(notices[0]?.sid).toBeTruthy();
  });

  it('a password reset by an admin does the same', async () => {
    const { user, person } = await newPerson();
    const { tokens } = await signedInToApplication(person);
    expect((await fixture.adminClient.post(`/api/v1/users/${user.id}/password-reset`)).status).toBeLessThan(300);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await logoutTokensFor(user.id)).toHaveLength(1);
  });
});

describe('signing out', () => {
  it('of the console signs out of the applications', async () => {
    const { user, person } = await newPerson();
    const { browser, tokens } = await signedInToApplication(person);
    const signedOut = await browser.fetch('/api/v1/auth/logout', { method: 'POST' });
    expect(signedOut.status).toBe(204);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await logoutTokensFor(user.id)).toHaveLength(1);
    // The application's next sign-in asks for the password again.
    const url = client.buildAuthorizationUrl(config, { redirect_uri: 'http://localhost:5173/callback', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    expect((await browser.follow(url.href)).kind).toBe('sign-in');
  });

  it('of an application (RP-initiated) signs out of the console', async () => {
    const { person } = await newPerson();
    const { browser, tokens } = await signedInToApplication(person);
    const endUrl = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: 'http://localhost:5173/signed-out', state: 'bye' });
    const confirm = await browser.fetch(endUrl.href);
    expect(confirm.status).toBe(200);
    const page = await confirm.text();
    const action = /action="([^"]+)"/.exec(page)?.[1] as string;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1] as string;
    const done = await browser.fetch(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ xsrf, logout: 'yes' }) });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('http://localhost:5173/signed-out?state=bye');
    const session = await browser.fetch('/api/v1/auth/session');
    expect(await session.json()).toEqual({ status: 'anonymous' });
  });
});

describe('fresh sign-in', () => {
  it('prompt=login and max_age send the person to sign in again', async () => {
    const { person } = await newPerson();
    const { browser } = await signedInToApplication(person);
    for (const parameters of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const url = client.buildAuthorizationUrl(config, { redirect_uri: 'http://localhost:5173/callback', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', ...parameters });
      const reached = await browser.follow(url.href);
      expect(reached.kind).toBe('sign-in');
      if (reached.kind === 'sign-in') expect(reached.url.searchParams.get('fresh')).toBe('1');
    }
    // Signing in again lets it through.
    const again = await authorize(config, browser, person, { prompt: 'login' });
    expect(again.callback.searchParams.get('code')).toBeTruthy();
  });
});

describe('applications pinned to the catalog', () => {
  it('refuses with a clear page a licence that does not subscribe to the application', async () => {
    const code = `pin-${Date.now()}`;
    const created = await test.operator.post('/operator/v1/licences', {
      code,
      name: 'Forms only',
      seatLimit: 5,
      applications: ['forms.forms'],
      admin: { login: 'admin', firstName: 'Ada', lastName: 'Admin', email: `admin@${code}.example`, language: 'en' },
    });
    expect(created.status).toBe(201);
    await signIn(test, code, created.body.admin);
    const person = { licence: code, login: 'admin', password: TEST_PASSWORD };
    const pinned = await registerApplication(test, { name: 'SMS campaigns', kind: 'web', redirectUris: ['http://localhost:5173/callback'], application: 'sms-campaigns' });
    const pinnedConfig = await relyingParty(test, pinned);
    const browser = new Browser(test.url);
    await expect(authorize(pinnedConfig, browser, person)).rejects.toThrow(/does not include SMS campaigns/);
  });
});
