import { sql } from 'drizzle-orm';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, signIn, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';
import { authorize, Browser, registerApplication, relyingParty, startOidcTestApp, type RegisteredApplication } from '../support/oidc.ts';

// What the specifications say must be refused is refused, in their error formats, and a malformed
// request creates no grant, session or token.

let test: TestApp;
let fixture: LicenceFixture;
let person: { licence: string; login: string; password: string };
let web: RegisteredApplication;
let config: client.Configuration;

beforeAll(async () => {
  test = await startOidcTestApp();
  fixture = await createLicence(test);
  const user = (await fixture.adminClient.post('/api/v1/users', newUser(fixture))).body;
  await signIn(test, fixture.code, user);
  person = { licence: fixture.code, login: user.login, password: TEST_PASSWORD };
  web = await registerApplication(test, { name: 'Reporting', kind: 'web', redirectUris: ['http://localhost:5173/callback'] });
  config = await relyingParty(test, web);
});

afterAll(async () => {
  await test?.close();
});

async function tokenRequest(form: Record<string, string>) {
  const response = await fetch(`${test.url}/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: response.status, body: (await response.json()) as { error?: string; error_description?: string; access_token?: string; refresh_token?: string } };
}

const oidcRows = async () => {
  const result = (await test.database.handle.db.execute(sql`SELECT count(*) AS n FROM oidc_payloads WHERE model <> 'Interaction'`)) as unknown as { rows: { n: string | number }[] };
  return Number(result.rows[0]?.n ?? 0);
};

describe('authorization requests', () => {
  it('refuses a redirect_uri that is not registered exactly, without redirecting to it', async () => {
    const before = await oidcRows();
    for (const redirect of ['http://localhost:5173/callback/', 'http://localhost:5173/callback?x=1', 'https://evil.example/callback']) {
      const url = client.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
      const reached = await new Browser(test.url).follow(url.href);
      expect(reached.kind).toBe('page');
      if (reached.kind === 'page') {
        expect(reached.status).toBe(400);
        expect(reached.body).toContain('redirect_uri');
      }
    }
    expect(await oidcRows()).toBe(before);
  });

  it('requires PKCE of a public client and refuses plain', async () => {
    const spa = await registerApplication(test, { name: 'Single page', kind: 'spa', redirectUris: ['http://localhost:5173/callback'] });
    const spaConfig = await relyingParty(test, spa);
    const noPkce = client.buildAuthorizationUrl(spaConfig, { redirect_uri: 'http://localhost:5173/callback', scope: 'openid', state: 's' });
    const reached = await new Browser(test.url).follow(noPkce.href);
    expect(reached.kind).toBe('left');
    if (reached.kind === 'left') expect(reached.url.searchParams.get('error')).toBe('invalid_request');
    const plain = client.buildAuthorizationUrl(spaConfig, { redirect_uri: 'http://localhost:5173/callback', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' });
    const refused = await new Browser(test.url).follow(plain.href);
    expect(refused.kind === 'left' && refused.url.searchParams.get('error')).toBe('invalid_request');
  });
});

describe('the token endpoint', () => {
  it('refuses a missing or wrong PKCE verifier; the code stays for the right one, once', async () => {
    const { callback, state, verifier } = await authorize(config, new Browser(test.url), person);
    const code = callback.searchParams.get('code') as string;
    expect(callback.searchParams.get('state')).toBe(state);
    const base = { grant_type: 'authorization_code', code, redirect_uri: 'http://localhost:5173/callback', client_id: web.clientId, client_secret: web.clientSecret as string };
    const missing = await tokenRequest(base);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_grant');
    const wrong = await tokenRequest({ ...base, code_verifier: client.randomPKCECodeVerifier() });
    expect(wrong.body.error).toBe('invalid_grant');
    const wrongRedirect = await tokenRequest({ ...base, code_verifier: verifier, redirect_uri: 'http://localhost:5173/other' });
    expect(wrongRedirect.body.error).toBe('invalid_grant');
    const right = await tokenRequest({ ...base, code_verifier: verifier });
    expect(right.status).toBe(200);
    expect(right.body.access_token).toEqual(expect.any(String));
    const again = await tokenRequest({ ...base, code_verifier: verifier });
    expect(again.body.error).toBe('invalid_grant');
  });

  it('redeems a code presented twice at once only once', async () => {
    const { callback, verifier } = await authorize(config, new Browser(test.url), person);
    const form = { grant_type: 'authorization_code', code: callback.searchParams.get('code') as string, redirect_uri: 'http://localhost:5173/callback', code_verifier: verifier, client_id: web.clientId, client_secret: web.clientSecret as string };
    const answers = await Promise.all([tokenRequest(form), tokenRequest(form), tokenRequest(form)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400]);
    expect(answers.filter((answer) => answer.status === 400).map((answer) => answer.body.error)).toEqual(['invalid_grant', 'invalid_grant']);
  });

  it('rotates a refresh token presented twice at once only once', async () => {
    const { callback, verifier } = await authorize(config, new Browser(test.url), person);
    const credentials = { client_id: web.clientId, client_secret: web.clientSecret as string };
    const issued = await tokenRequest({ grant_type: 'authorization_code', code: callback.searchParams.get('code') as string, redirect_uri: 'http://localhost:5173/callback', code_verifier: verifier, ...credentials });
    const form = { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token as string, ...credentials };
    const answers = await Promise.all([tokenRequest(form), tokenRequest(form)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    expect(answers.find((answer) => answer.status === 400)?.body.error).toBe('invalid_grant');
  });

  it('refuses a code used twice', async () => {
    const { callback, verifier, state, nonce } = await authorize(config, new Browser(test.url), person);
    await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    await expect(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses an expired code', async () => {
    const { callback, verifier, state, nonce } = await authorize(config, new Browser(test.url), person);
    const realNow = test.app.context.now;
    test.app.context.now = () => new Date(Date.now() + 61_000);
    try {
      await expect(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
    } finally {
      test.app.context.now = realNow;
    }
  });

  it("refuses another application's refresh token", async () => {
    const { callback, verifier, state, nonce } = await authorize(config, new Browser(test.url), person);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const other = await registerApplication(test, { name: 'Other', kind: 'web', redirectUris: ['http://localhost:5173/callback'] });
    const otherConfig = await relyingParty(test, other);
    await expect(client.refreshTokenGrant(otherConfig, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Still the owner's.
    expect((await client.refreshTokenGrant(config, tokens.refresh_token as string)).access_token).toBeTruthy();
  });

  it('refuses a wrong secret in the OAuth format, and an unknown client', async () => {
    const wrong = await tokenRequest({ grant_type: 'client_credentials', client_id: web.clientId, client_secret: 'not-the-secret' });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const unknown = await tokenRequest({ grant_type: 'client_credentials', client_id: 'app_nobody', client_secret: 'x' });
    expect(unknown).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });
});

describe('the application checks state and nonce', () => {
  it('sees the state and nonce it sent come back', async () => {
    const { callback, verifier, nonce } = await authorize(config, new Browser(test.url), person);
    const reason = (error: unknown) => String((error as { cause?: { message?: string } }).cause?.message ?? '') + String((error as Error).message);
    const wrongState = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'another state', expectedNonce: nonce }).catch((error: unknown) => error);
    expect(reason(wrongState)).toMatch(/state/);
    const second = await authorize(config, new Browser(test.url), person);
    const wrongNonce = await client.authorizationCodeGrant(config, second.callback, { pkceCodeVerifier: second.verifier, expectedState: second.state, expectedNonce: 'another nonce' }).catch((error: unknown) => error);
    expect(reason(wrongNonce)).toMatch(/nonce/);
  });
});

describe('service applications', () => {
  it('get scoped JWTs by client credentials: decisions:read reaches the batch decisions only', async () => {
    const service = await registerApplication(test, { name: 'Campaign engine', kind: 'service', redirectUris: [], scopes: ['decisions:read'] });
    const serviceConfig = await relyingParty(test, service);
    const tokens = await client.clientCredentialsGrant(serviceConfig, { scope: 'decisions:read' });
    const payload = JSON.parse(Buffer.from(tokens.access_token.split('.')[1] as string, 'base64url').toString());
    expect(payload).toMatchObject({ aud: `${test.url}/operator/v1`, scope: 'decisions:read', client_id: service.clientId });
    const asService = test.anonymous().withBearer(tokens.access_token);
    const decisions = await asService.post('/operator/v1/authorize', { checks: [{ licence: fixture.code, userId: fixture.admin.id, permission: 'profiles.profiles.view' }] });
    expect(decisions.status).toBe(200);
    const refused = await asService.post('/operator/v1/licences', { code: 'nope', name: 'Nope', seatLimit: 1 });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('insufficient_scope');
    // A scope it was not registered for is not given.
    await expect(client.clientCredentialsGrant(serviceConfig, { scope: 'users:read' })).rejects.toMatchObject({ error: 'invalid_scope' });
    // Its token is not a person's: Gatehouse's licence API does not take it.
    expect((await asService.post('/api/v1/authorize', { permission: 'reporting' })).status).toBe(401);
  });
});
