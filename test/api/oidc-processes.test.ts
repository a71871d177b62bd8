import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/client.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createLicence, newUser, signIn, TEST_PASSWORD, TEST_SECRET_KEY, type LicenceFixture, type TestApp } from '../support/app.ts';
import { onPostgres } from '../support/database.ts';
import { HttpClient } from '../support/http.ts';
import { authorize, Browser, registerApplication, relyingParty, startOidcTestApp, type RegisteredApplication } from '../support/oidc.ts';

// Two server processes behind one load balancer on one PostgreSQL: any of them answers any step of
// a flow, and a revocation through one holds at the other at once. PostgreSQL only (the embedded
// database belongs to one process).

describe.skipIf(!onPostgres)('the OpenID Provider on two servers', () => {
  let first: TestApp;
  let secondDatabase: DatabaseHandle;
  let second: App;
  let secondUrl: string;
  let fixture: LicenceFixture;
  let web: RegisteredApplication;
  let config: client.Configuration;

  beforeAll(async () => {
    first = await startOidcTestApp();
    secondDatabase = await openDatabase({ kind: 'postgres', url: first.database.url! });
    // The same public URL (the issuer) and the same secret key, as a fleet behind one name has.
    const settings = loadConfig({ GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn', GATEHOUSE_PUBLIC_URL: first.url, GATEHOUSE_SECRET_KEY: TEST_SECRET_KEY });
    const discard = { send: async () => undefined };
    second = await buildApp({ config: settings, database: secondDatabase, logger: createLogger('warn'), transports: { email: discard, sms: discard }, serveConsole: false });
    secondUrl = await second.server.listen({ port: 0, host: '127.0.0.1' });
    fixture = await createLicence(first);
    web = await registerApplication(first, { name: 'Reporting', kind: 'web', redirectUris: ['http://localhost:5173/callback'] });
    config = await relyingParty(first, web);
  });
  afterAll(async () => {
    await second?.close();
    await secondDatabase?.close();
    await first?.close();
  });

  it('redeems at one server a code issued by the other; a deactivation through one stops the token at the other within a second', async () => {
    const user = (await fixture.adminClient.post('/api/v1/users', newUser(fixture))).body;
    await signIn(first, fixture.code, user);
    const { callback, verifier } = await authorize(config, new Browser(first.url), { licence: fixture.code, login: user.login, password: TEST_PASSWORD }, { resource: `${first.url}/api/v1` });
    const redeemed = await fetch(`${secondUrl}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') as string,
        redirect_uri: 'http://localhost:5173/callback',
        code_verifier: verifier,
        client_id: web.clientId,
        client_secret: web.clientSecret as string,
      }),
    });
    expect(redeemed.status).toBe(200);
    const tokens = (await redeemed.json()) as { access_token: string; refresh_token: string };

    const atFirst = first.anonymous().withBearer(tokens.access_token);
    const atSecond = new HttpClient(secondUrl).withBearer(tokens.access_token);
    expect((await atFirst.post('/api/v1/authorize', { permission: 'profiles.profiles.view' })).status).toBe(200);
    expect((await atSecond.post('/api/v1/authorize', { permission: 'profiles.profiles.view' })).status).toBe(200);

    // The admin deactivates the user through the second server (the admin's session works there too).
    const admin = new HttpClient(secondUrl);
    const signedIn = await admin.post('/api/v1/auth/login', { licence: fixture.code, login: fixture.admin.login, password: TEST_PASSWORD });
    admin.csrfToken = signedIn.body.csrfToken;
    expect((await admin.post(`/api/v1/users/${user.id}/deactivate`)).status).toBe(200);
    // From the deactivation's answer (it has committed): the other process hears of it.
    const deactivatedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - deactivatedAt < 1000) status = (await atFirst.post('/api/v1/authorize', { permission: 'profiles.profiles.view' })).status;
    expect(status).toBe(401);
    expect(Date.now() - deactivatedAt).toBeLessThan(1000);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('signs with the new keys on every server once one rotates them', async () => {
    const before = (await (await fetch(`${secondUrl}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
    const rotated = await first.app.oidc.rotateKeys();
    const deadline = Date.now() + 5000;
    let kids: string[] = before.keys.map((key) => key.kid);
    while (!rotated.added.every((kid) => kids.includes(kid)) && Date.now() < deadline) {
      kids = ((await (await fetch(`${secondUrl}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
    }
    expect(kids).toEqual(expect.arrayContaining([...rotated.added, ...rotated.retired]));
  });
});
