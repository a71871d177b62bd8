import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, signIn, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';
import { authorize, Browser, registerApplication, relyingParty, startOidcTestApp, type RegisteredApplication } from '../support/oidc.ts';

// The OpenID Provider driven by openid-client, a client library written elsewhere: discovery, the
// code flow with PKCE, the claims, refresh rotation, userinfo, introspection, revocation.

let test: TestApp;
let fixture: LicenceFixture;
let user: { login: string; email: string; id: string };
let web: RegisteredApplication;
let config: client.Configuration;
let person: { licence: string; login: string; password: string };

beforeAll(async () => {
  test = await startOidcTestApp();
  fixture = await createLicence(test);
  const created = await fixture.adminClient.post('/api/v1/users', newUser(fixture, { firstName: 'Grace', lastName: 'Hopper' }));
  user = created.body;
  await signIn(test, fixture.code, user);
  person = { licence: fixture.code, login: user.login, password: TEST_PASSWORD };
  web = await registerApplication(test, { name: 'Reporting', kind: 'web', redirectUris: ['http://localhost:5173/callback'] });
  config = await relyingParty(test, web);
});

afterAll(async () => {
  await test?.close();
});

async function codeFlow(parameters: Record<string, string> = {}, browser = new Browser(test.url)) {
  const { callback, verifier, state, nonce } = await authorize(config, browser, person, parameters);
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, parameters.resource ? { resource: parameters.resource } : undefined);
}

describe('discovery', () => {
  it('publishes the provider at the public URL', async () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(test.url);
    expect(metadata.authorization_endpoint).toBe(`${test.url}/oidc/auth`);
    expect(metadata.token_endpoint).toBe(`${test.url}/oidc/token`);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'phone', 'gatehouse']));
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    const jwks = (await (await fetch(metadata.jwks_uri as string)).json()) as { keys: { alg: string }[] };
    expect(jwks.keys.map((key: { alg: string }) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
  });
});

describe('code flow with PKCE', () => {
  it('signs the person in and gives the application who they are', async () => {
    const tokens = await codeFlow();
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      sub: user.id,
      given_name: 'Grace',
      family_name: 'Hopper',
      email: user.email,
      login: user.login,
      licence: { id: fixture.licence.id, code: fixture.code, name: fixture.licence.name },
      configuration: { key: 'user' },
    });
    expect(tokens.refresh_token).toBeTruthy();
    const info = await client.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, login: user.login, email: user.email });
  });

  it('gives a JWT access token for Gatehouse API that POST /api/v1/authorize takes', async () => {
    const tokens = await codeFlow({ resource: `${test.url}/api/v1` });
    const [header, payload] = tokens.access_token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: user.id, aud: `${test.url}/api/v1`, iss: test.url, client_id: web.clientId, licence_id: fixture.licence.id });
    expect(payload.exp - payload.iat).toBe(300);
    const asPerson = test.anonymous().withBearer(tokens.access_token);
    const permissions = await asPerson.get('/api/v1/me/permissions');
    expect(permissions.status).toBe(200);
    const decision = await asPerson.post('/api/v1/authorize', { permission: 'profiles.profiles.view' });
    expect(decision.status).toBe(200);
    // The console's own routes (one's account, one's password) stay the console's.
    expect((await asPerson.get('/api/v1/me')).status).toBe(403);
    // Another audience's token is not taken: userinfo's is opaque and bound to nothing.
    const opaque = await codeFlow();
    expect((await test.anonymous().withBearer(opaque.access_token).get('/api/v1/me/permissions')).status).toBe(401);
  });

  it('rotates refresh tokens and revokes the grant when a used one comes back', async () => {
    const tokens = await codeFlow();
    const first = tokens.refresh_token as string;
    const refreshed = await client.refreshTokenGrant(config, first);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(first);
    await expect(client.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The reuse ended the whole grant: the newest refresh token is dead too.
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('introspects and revokes its own tokens', async () => {
    const tokens = await codeFlow();
    const active = await client.tokenIntrospection(config, tokens.refresh_token as string);
    expect(active).toMatchObject({ active: true, sub: user.id, client_id: web.clientId });
    await client.tokenRevocation(config, tokens.refresh_token as string);
    expect((await client.tokenIntrospection(config, tokens.refresh_token as string)).active).toBe(false);
  });

  it('signs in once for two applications (single sign-on)', async () => {
    const browser = new Browser(test.url);
    await codeFlow({}, browser);
    const other = await registerApplication(test, { name: 'Campaigns', kind: 'spa', redirectUris: ['http://localhost:5173/callback'] });
    const spa = await relyingParty(test, other);
    // No person given: asking to sign in again would throw.
    const { callback, verifier, state, nonce } = await authorize(spa, browser, null);
    const tokens = await client.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    expect(tokens.claims()?.sub).toBe(user.id);
  });
});
