import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, signIn, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';
import { authorize, Browser, registerApplication, relyingParty, startOidcTestApp } from '../support/oidc.ts';

// Signing keys: generated on first start, sealed at rest, rotated with the old key still published
// until what it signed has expired.

let test: TestApp;
let fixture: LicenceFixture;

beforeAll(async () => {
  test = await startOidcTestApp();
  fixture = await createLicence(test);
});

afterAll(async () => {
  await test?.close();
});

const header = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString()) as { kid: string; alg: string };
const published = async () => ((await (await fetch(`${test.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);

describe('signing keys', () => {
  it('are sealed at rest: the database holds no private key in clear', async () => {
    const rows = (await test.database.handle.db.execute('SELECT private_jwk FROM signing_keys' as never)) as unknown as { rows: { private_jwk: string }[] };
    expect(rows.rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows.rows) expect(row.private_jwk).not.toMatch(/"d"|"kty"/);
  });

  it('rotate: new tokens are signed with the new key, tokens signed before still verify', async () => {
    const user = (await fixture.adminClient.post('/api/v1/users', newUser(fixture))).body;
    await signIn(test, fixture.code, user);
    const person = { licence: fixture.code, login: user.login, password: TEST_PASSWORD };
    const web = await registerApplication(test, { name: 'Reporting', kind: 'web', redirectUris: ['http://localhost:5173/callback'] });
    const config = await relyingParty(test, web);
    const flow = async () => {
      const { callback, verifier, state, nonce } = await authorize(config, new Browser(test.url), person, { resource: `${test.url}/api/v1` });
      return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, { resource: `${test.url}/api/v1` });
    };
    const before = await flow();
    const rotated = await test.app.oidc.rotateKeys();
    expect(rotated.retired).toContain(header(before.access_token).kid);
    expect(await published()).toEqual(expect.arrayContaining([...rotated.added, ...rotated.retired]));

    const after = await flow();
    expect(rotated.added).toContain(header(after.access_token).kid);
    expect(rotated.added).toContain(header(after.id_token as string).kid);
    // The token signed with the retired key still works until it expires.
    expect((await test.anonymous().withBearer(before.access_token).post('/api/v1/authorize', { permission: 'profiles.profiles.view' })).status).toBe(200);

    // Once retired keys have outlived their tokens, the purge removes them and the JWKS drops them.
    const realNow = test.app.context.now;
    test.app.context.now = () => new Date(Date.now() + 3 * 3600_000);
    try {
      await test.app.purge.run();
      await test.app.oidc.reloadKeys();
      const kids = await published();
      for (const kid of rotated.retired) expect(kids).not.toContain(kid);
    } finally {
      test.app.context.now = realNow;
    }
  });
});
