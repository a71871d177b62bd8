import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, signIn, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';
import { authorize, Browser, registerApplication, startOidcTestApp, type RegisteredApplication } from '../support/oidc.ts';

// An application's ID tokens are signed the way its operator chose: RS256 by default, ES256 on
// request. openid-client is told which algorithm to expect and checks each signature against the
// provider's published keys (non-repudiation checks); jose checks it once more on its own.

let test: TestApp;
let fixture: LicenceFixture;
let user: { login: string; email: string; id: string };
let person: { licence: string; login: string; password: string };

beforeAll(async () => {
  test = await startOidcTestApp();
  fixture = await createLicence(test);
  user = (await fixture.adminClient.post('/api/v1/users', newUser(fixture, { firstName: 'Ada', lastName: 'Lovelace' }))).body;
  await signIn(test, fixture.code, user);
  person = { licence: fixture.code, login: user.login, password: TEST_PASSWORD };
});

afterAll(async () => {
  await test?.close();
});

/** openid-client for one application, expecting ID tokens signed with `alg` and checking their signatures. */
function relyingParty(application: RegisteredApplication, alg: 'RS256' | 'ES256'): Promise<client.Configuration> {
  return client.discovery(new URL(test.url), application.clientId, { client_secret: application.clientSecret, id_token_signed_response_alg: alg }, client.ClientSecretPost(application.clientSecret), {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
  });
}

/** The code flow, the ID token it gives, and that token's protected header. */
async function idTokenOf(config: client.Configuration) {
  const { callback, verifier, state, nonce } = await authorize(config, new Browser(test.url), person);
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  const idToken = tokens.id_token;
  if (idToken === undefined) throw new Error('no ID token');
  return { idToken, header: decodeProtectedHeader(idToken), claims: tokens.claims(), nonce };
}

async function verifiedElsewhere(idToken: string, application: RegisteredApplication, alg: 'RS256' | 'ES256') {
  const keys = createRemoteJWKSet(new URL(`${test.url}/oidc/jwks`));
  const { payload, protectedHeader } = await jwtVerify(idToken, keys, { issuer: test.url, audience: application.clientId, algorithms: [alg] });
  return { payload, protectedHeader };
}

describe('ID token signature', () => {
  it('is RS256 for an application that chose nothing', async () => {
    const application = await registerApplication(test, { name: 'Ledger' });
    const { idToken, header, claims, nonce } = await idTokenOf(await relyingParty(application, 'RS256'));
    expect(header.alg).toBe('RS256');
    expect(claims).toMatchObject({ sub: user.id, aud: application.clientId, iss: test.url, nonce, given_name: 'Ada' });
    expect((await verifiedElsewhere(idToken, application, 'RS256')).protectedHeader.alg).toBe('RS256');
  });

  it('is ES256 for an application that chose it, and follows an edit at once', async () => {
    const application = await registerApplication(test, { name: 'Atlas', idTokenSigningAlg: 'ES256' });
    const es256 = await idTokenOf(await relyingParty(application, 'ES256'));
    expect(es256.header.alg).toBe('ES256');
    expect(es256.claims).toMatchObject({ sub: user.id, aud: application.clientId, iss: test.url, nonce: es256.nonce, given_name: 'Ada' });
    const { payload, protectedHeader } = await verifiedElsewhere(es256.idToken, application, 'ES256');
    expect(payload.sub).toBe(user.id);
    // The P-256 key of the published key ring signed it.
    const jwks = (await (await fetch(`${test.url}/oidc/jwks`)).json()) as { keys: { kid: string; kty: string; crv?: string }[] };
    expect(jwks.keys.find((key) => key.kid === protectedHeader.kid)).toMatchObject({ kty: 'EC', crv: 'P-256' });
    // A library expecting RS256 refuses it: the choice is really the token's.
    const expectingRs256 = await relyingParty(application, 'RS256');
    const { callback, verifier, state, nonce } = await authorize(expectingRs256, new Browser(test.url), person);
    await expect(client.authorizationCodeGrant(expectingRs256, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce })).rejects.toMatchObject({ cause: expect.objectContaining({ message: 'unexpected JWT "alg" header parameter' }) });

    // Back to RS256: the very next sign-in is signed so, the provider's copy of the client forgotten.
    const changed = await test.operator.patch(`/operator/v1/applications/${application.id}`, { idTokenSigningAlg: 'RS256' });
    expect(changed.status).toBe(200);
    const rs256 = await idTokenOf(await relyingParty(application, 'RS256'));
    expect(rs256.header.alg).toBe('RS256');
    expect((await verifiedElsewhere(rs256.idToken, application, 'RS256')).payload.sub).toBe(user.id);
  });
});
