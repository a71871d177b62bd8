import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../support/http.ts';
import { configurationId, createLicence, newUser, signIn, signInWithPassword, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';
import { SoftwareAuthenticator } from '../support/webauthn.ts';

// Passkeys, driven with real WebAuthn ceremonies: a software authenticator signs what the server asks,
// as a browser with a security key would, and plays the attacker where a test needs one.

let test: TestApp;
let fixture: LicenceFixture;
let origin: string;

beforeAll(async () => {
  test = await startTestApp();
  origin = new URL(test.app.context.config.publicUrl).origin;
  fixture = await createLicence(test);
});
afterAll(() => test.close());

async function newSignedInUser(on: LicenceFixture = fixture, overrides: Record<string, unknown> = {}) {
  const input = newUser(on, overrides);
  const created = await on.adminClient.post('/api/v1/users', input);
  expect(created.status).toBe(201);
  return { input, id: created.body.id as string, client: await signIn(test, on.code, input) };
}

/** Enrols a passkey of a new authenticator for the signed-in user. */
async function enrol(client: HttpClient, name = 'Laptop') {
  const authenticator = new SoftwareAuthenticator(origin);
  const options = await client.post('/api/v1/me/passkeys/registration-options');
  expect(options.status).toBe(200);
  const enrolled = await client.post('/api/v1/me/passkeys', { name, response: authenticator.register(options.body) });
  expect(enrolled.status).toBe(201);
  return { authenticator, passkey: enrolled.body };
}

/** Signs in with the authenticator's newest credential, optionally tampered with, from a fresh browser. */
async function passkeySignIn(authenticator: SoftwareAuthenticator, tampering: Parameters<SoftwareAuthenticator['authenticate']>[1] = {}, request: { licence?: string; login?: string } = {}) {
  const client = test.anonymous();
  const licence = request.licence ?? fixture.code;
  const options = await client.post('/api/v1/auth/passkey/options', { licence, ...(request.login === undefined ? {} : { login: request.login }) });
  expect(options.status).toBe(200);
  const response = authenticator.authenticate(options.body.options, tampering);
  const answer = await client.post('/api/v1/auth/passkey', { licence, challengeId: options.body.challengeId, response });
  return { client, answer, response, challengeId: options.body.challengeId as string };
}

describe('enrolling passkeys from My account', () => {
  it('enrols several named passkeys and lists them with their dates', async () => {
    const { client } = await newSignedInUser();
    const options = (await client.post('/api/v1/me/passkeys/registration-options')).body;
    expect(options.rp).toEqual({ id: new URL(origin).hostname, name: 'Gatehouse' });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });

    const first = await enrol(client, 'Laptop');
    expect(first.passkey).toMatchObject({ name: 'Laptop', lastUsedAt: null, backedUp: false });
    await enrol(client, 'Phone');
    const listed = (await client.get('/api/v1/me/passkeys')).body.items;
    expect(listed.map((item: { name: string }) => item.name)).toEqual(['Laptop', 'Phone']);
    expect(listed[0]).toEqual({ id: first.passkey.id, name: 'Laptop', createdAt: expect.any(String), lastUsedAt: null, backedUp: false });
    // The second enrolment was told of the first, so one authenticator does not enrol twice.
    expect((await client.post('/api/v1/me/passkeys/registration-options')).body.excludeCredentials).toHaveLength(2);
  });

  it('refuses an answer from another origin, to another challenge, or given twice', async () => {
    const { client } = await newSignedInUser();
    const authenticator = new SoftwareAuthenticator(origin);

    const phishing = (await client.post('/api/v1/me/passkeys/registration-options')).body;
    const wrongOrigin = await client.post('/api/v1/me/passkeys', { name: 'Key', response: authenticator.register(phishing, { origin: 'https://gatehouse.example.net' }) });
    expect(wrongOrigin.status).toBe(422);
    expect(wrongOrigin.body).toMatchObject({ code: 'passkey_rejected', reason: 'verification_failed' });

    await client.post('/api/v1/me/passkeys/registration-options');
    const wrongChallenge = await client.post('/api/v1/me/passkeys', { name: 'Key', response: authenticator.register({ ...phishing, challenge: 'bm90LW91ci1jaGFsbGVuZ2U' }) });
    expect(wrongChallenge.body).toMatchObject({ code: 'passkey_rejected', reason: 'challenge_expired' });

    const options = (await client.post('/api/v1/me/passkeys/registration-options')).body;
    const response = authenticator.register(options);
    expect((await client.post('/api/v1/me/passkeys', { name: 'Key', response })).status).toBe(201);
    const replayed = await client.post('/api/v1/me/passkeys', { name: 'Key again', response });
    expect(replayed.body).toMatchObject({ code: 'passkey_rejected', reason: 'challenge_expired' });
    expect((await client.get('/api/v1/me/passkeys')).body.items).toHaveLength(1);
  });

  it('refuses a malformed answer naming the field, and keeps nothing', async () => {
    const { client } = await newSignedInUser();
    const answer = await client.post('/api/v1/me/passkeys', { name: '', response: { id: 'x' } });
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('validation_failed');
    expect(answer.body.errors.map((error: { field: string }) => error.field)).toEqual(expect.arrayContaining(['name']));
    expect((await client.get('/api/v1/me/passkeys')).body.items).toEqual([]);
  });

  it('removes one of my passkeys only with my current password', async () => {
    const { client } = await newSignedInUser();
    const { passkey } = await enrol(client);
    expect((await client.request('DELETE', `/api/v1/me/passkeys/${passkey.id}`, {})).body.code).toBe('step_up_required');
    expect((await client.request('DELETE', `/api/v1/me/passkeys/${passkey.id}`, { currentPassword: 'not my password' })).body.code).toBe('step_up_failed');
    expect((await client.request('DELETE', `/api/v1/me/passkeys/${passkey.id}`, { currentPassword: TEST_PASSWORD })).status).toBe(204);
    expect((await client.get('/api/v1/me/passkeys')).body.items).toEqual([]);
    expect((await client.request('DELETE', `/api/v1/me/passkeys/${passkey.id}`, { currentPassword: TEST_PASSWORD })).status).toBe(404);
  });
});

describe('signing in with a passkey', () => {
  it('opens the same session as a password sign-in, satisfying two-factor, and records the use', async () => {
    const own = await createLicence(test);
    const { input, client } = await newSignedInUser(own, { mobile: '+33612345679' });
    const { authenticator, passkey } = await enrol(client);
    // Two-factor on: a password alone no longer signs in, a passkey does.
    expect((await own.adminClient.patch('/api/v1/licence', { twoFactor: true })).status).toBe(200);
    expect((await test.anonymous().post('/api/v1/auth/login', { licence: own.code, login: input.login, password: TEST_PASSWORD })).body.status).toBe('second_factor_required');

    const { client: browser, answer } = await passkeySignIn(authenticator, {}, { licence: own.code });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'ok', csrfToken: expect.any(String), user: { login: input.login, secondFactorEnrolmentRequired: false } });
    expect(answer.headers.getSetCookie().join(';')).toMatch(/gatehouse_session=.+HttpOnly/i);
    browser.csrfToken = answer.body.csrfToken;
    expect((await browser.get('/api/v1/me')).body.login).toBe(input.login);
    // The sign-in is in the licence's access log, as every console sign-in is.
    const accesses = (await own.adminClient.get(`/api/v1/licence-accesses/users?login=${input.login}`)).body.items;
    expect(accesses.length).toBeGreaterThanOrEqual(2);
    const listed = (await client.get('/api/v1/me/passkeys')).body.items;
    expect(listed[0]).toMatchObject({ id: passkey.id, lastUsedAt: expect.any(String) });
  });

  it('answers the options alike whatever the login, with no credential listed', async () => {
    const known = await test.anonymous().post('/api/v1/auth/passkey/options', { licence: fixture.code, login: 'admin' });
    const unknown = await test.anonymous().post('/api/v1/auth/passkey/options', { licence: fixture.code, login: 'nobody-here' });
    const noLicence = await test.anonymous().post('/api/v1/auth/passkey/options', { licence: 'no-such-licence' });
    for (const answer of [known, unknown, noLicence]) {
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual(['challengeId', 'options']);
      expect(Object.keys(answer.body.options).sort()).toEqual(Object.keys(known.body.options).sort());
      expect(answer.body.options.allowCredentials ?? []).toEqual([]);
    }
  });

  it('refuses an answer signed on another origin', async () => {
    const { client } = await newSignedInUser();
    const { authenticator } = await enrol(client);
    const { answer } = await passkeySignIn(authenticator, { origin: 'https://gatehouse.example.net' });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 'passkey_rejected', reason: 'verification_failed' });
    expect(answer.headers.getSetCookie()).toEqual([]);
  });

  it('refuses an answer to another challenge', async () => {
    const { client } = await newSignedInUser();
    const { authenticator } = await enrol(client);
    const { answer } = await passkeySignIn(authenticator, { challenge: 'c29tZS1vdGhlci1jaGFsbGVuZ2U' });
    expect(answer.body).toMatchObject({ code: 'passkey_rejected', reason: 'verification_failed' });
  });

  it('refuses a replayed answer, even with a fresh challenge id', async () => {
    const { client } = await newSignedInUser();
    const { authenticator } = await enrol(client);
    const first = await passkeySignIn(authenticator);
    expect(first.answer.status).toBe(200);
    const again = await test.anonymous().post('/api/v1/auth/passkey', { licence: fixture.code, challengeId: first.challengeId, response: first.response });
    expect(again.body).toMatchObject({ code: 'passkey_rejected', reason: 'challenge_expired' });
    const fresh = (await test.anonymous().post('/api/v1/auth/passkey/options', { licence: fixture.code })).body;
    const replayed = await test.anonymous().post('/api/v1/auth/passkey', { licence: fixture.code, challengeId: fresh.challengeId, response: first.response });
    expect(replayed.body).toMatchObject({ code: 'passkey_rejected', reason: 'verification_failed' });
  });

  it('refuses a credential the licence does not know, and one of another licence', async () => {
    const stranger = new SoftwareAuthenticator(origin);
    stranger.register({ challenge: 'dW51c2Vk', user: { id: 'dW51c2Vk' } });
    expect((await passkeySignIn(stranger)).answer.body).toMatchObject({ code: 'passkey_rejected', reason: 'unknown_credential' });

    const other = await createLicence(test);
    const { client } = await newSignedInUser(other);
    const { authenticator } = await enrol(client);
    expect((await passkeySignIn(authenticator, {}, { licence: other.code })).answer.status).toBe(200);
    expect((await passkeySignIn(authenticator, {}, { licence: fixture.code })).answer.body).toMatchObject({ code: 'passkey_rejected', reason: 'unknown_credential' });
  });

  it('accepts only the typed login’s passkeys, answering as for an unknown credential', async () => {
    const { input, client } = await newSignedInUser();
    const { authenticator } = await enrol(client);
    expect((await passkeySignIn(authenticator, {}, { login: 'admin' })).answer.body).toMatchObject({ code: 'passkey_rejected', reason: 'unknown_credential' });
    expect((await passkeySignIn(authenticator, {}, { login: input.login.toUpperCase() })).answer.status).toBe(200);
  });

  it('refuses a deactivated user', async () => {
    const { id, client } = await newSignedInUser();
    const { authenticator } = await enrol(client);
    expect((await fixture.adminClient.post(`/api/v1/users/${id}/deactivate`)).status).toBe(200);
    expect((await passkeySignIn(authenticator)).answer.body).toMatchObject({ code: 'passkey_rejected', reason: 'unknown_credential' });
  });

  it('counts refused answers against the account like wrong passwords', async () => {
    const { input, client } = await newSignedInUser();
    const { authenticator } = await enrol(client);
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await passkeySignIn(authenticator, { origin: 'https://gatehouse.example.net' })).answer.body.code).toBe('passkey_rejected');
    }
    const password = await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: input.login, password: TEST_PASSWORD });
    expect(password.status).toBe(429);
    expect(password.body.code).toBe('too_many_attempts');
  });

  it('refuses and audits an authenticator whose counter goes back (a clone)', async () => {
    const { id, client } = await newSignedInUser();
    const { authenticator } = await enrol(client);
    expect((await passkeySignIn(authenticator, { counter: 7 })).answer.status).toBe(200);
    const clone = await passkeySignIn(authenticator, { counter: 3 });
    expect(clone.answer.status).toBe(401);
    expect(clone.answer.body).toMatchObject({ code: 'passkey_rejected', reason: 'counter_went_back' });
    const trail = (await fixture.adminClient.get(`/api/v1/audit-events?target=${id}&action=user.passkey_clone_detected`)).body.items;
    expect(trail).toHaveLength(1);
    expect(trail[0].after).toMatchObject({ passkey: 'Laptop', storedCounter: 7, presentedCounter: 3 });
    // The genuine authenticator, counting on, still signs in.
    expect((await passkeySignIn(authenticator, { counter: 8 })).answer.status).toBe(200);
  });
});

describe('the licence’s passkey policy', () => {
  it('is read and changed by who holds the two-factor setting, audited', async () => {
    const own = await createLicence(test);
    expect((await own.adminClient.get('/api/v1/licence/passkey-policy')).body).toEqual({ allowed: true, requiredForAdmins: false });
    const { client: user } = await newSignedInUser(own);
    expect((await user.get('/api/v1/licence/passkey-policy')).status).toBe(403);
    expect((await user.put('/api/v1/licence/passkey-policy', { allowed: false, requiredForAdmins: false })).status).toBe(403);
    expect((await own.adminClient.put('/api/v1/licence/passkey-policy', { allowed: 'no', requiredForAdmins: false })).body.errors[0].field).toBe('allowed');

    const changed = await own.adminClient.put('/api/v1/licence/passkey-policy', { allowed: false, requiredForAdmins: false });
    expect(changed.body).toEqual({ allowed: false, requiredForAdmins: false });
    const trail = (await own.adminClient.get('/api/v1/audit-events?action=licence.passkey_policy')).body.items;
    expect(trail[0]).toMatchObject({ before: { allowed: true, requiredForAdmins: false }, after: { allowed: false, requiredForAdmins: false } });
  });

  it('turned off, refuses enrolment and sign-in with passkeys already enrolled', async () => {
    const own = await createLicence(test);
    const { client } = await newSignedInUser(own);
    const { authenticator } = await enrol(client);
    expect((await own.adminClient.put('/api/v1/licence/passkey-policy', { allowed: false, requiredForAdmins: false })).status).toBe(200);
    expect((await client.post('/api/v1/me/passkeys/registration-options')).body).toMatchObject({ status: 403, code: 'passkeys_not_allowed' });
    expect((await test.anonymous().post('/api/v1/auth/passkey/options', { licence: own.code })).body.code).toBe('passkeys_not_allowed');
    const options = (await test.anonymous().post('/api/v1/auth/passkey/options', { licence: fixture.code })).body;
    const answer = await test.anonymous().post('/api/v1/auth/passkey', { licence: own.code, challengeId: options.challengeId, response: authenticator.authenticate(options.options) });
    expect(answer.body.code).toBe('passkeys_not_allowed');
  });

  it('requiring a passkey or an app of admins, limits an admin without either to enrolling one', async () => {
    const own = await createLicence(test);
    expect((await own.adminClient.put('/api/v1/licence/passkey-policy', { allowed: true, requiredForAdmins: true })).status).toBe(200);
    // A user who does not manage users is not concerned.
    const { input: plain } = await newSignedInUser(own);
    const plainClient = await signInWithPassword(test, own.code, plain.login);
    expect((await plainClient.get('/api/v1/licence')).status).toBe(200);

    const admin = test.anonymous();
    const signedIn = await admin.post('/api/v1/auth/login', { licence: own.code, login: 'admin', password: TEST_PASSWORD });
    expect(signedIn.body).toMatchObject({ status: 'ok', user: { secondFactorEnrolmentRequired: true } });
    admin.csrfToken = signedIn.body.csrfToken;
    expect((await admin.get('/api/v1/users')).body).toMatchObject({ status: 403, code: 'second_factor_enrolment_required' });
    expect((await admin.get('/api/v1/auth/session')).body.user.secondFactorEnrolmentRequired).toBe(true);

    await enrol(admin);
    expect((await admin.get('/api/v1/me')).body.secondFactorEnrolmentRequired).toBe(false);
    expect((await admin.get('/api/v1/users')).status).toBe(200);
    // Holding one now, the next sign-in is not limited.
    expect((await signInWithPassword(test, own.code, 'admin').then((c) => c.get('/api/v1/users'))).status).toBe(200);
  });
});

describe('an administrator removing a user’s passkeys', () => {
  it('removes them all, audited, with the permission and ceiling of removing an authenticator app', async () => {
    const { id, client } = await newSignedInUser();
    const { authenticator } = await enrol(client, 'Lost phone');
    await enrol(client, 'Lost key');
    const { client: plain } = await newSignedInUser();
    expect((await plain.delete(`/api/v1/users/${id}/passkeys`)).status).toBe(403);

    expect((await fixture.adminClient.delete(`/api/v1/users/${id}/passkeys`)).status).toBe(204);
    expect((await client.get('/api/v1/me/passkeys')).body.items).toEqual([]);
    expect((await passkeySignIn(authenticator)).answer.body.reason).toBe('unknown_credential');
    const trail = (await fixture.adminClient.get(`/api/v1/audit-events?target=${id}&action=user.passkeys_remove`)).body.items;
    expect(trail).toHaveLength(1);
    expect(trail[0].before).toEqual({ passkeys: 2 });
    expect((await fixture.adminClient.delete(`/api/v1/users/${id}/passkeys`)).status).toBe(404);
  });

  it('does not reach a user beyond the admin’s own rights, nor another licence’s', async () => {
    const other = await createLicence(test);
    const { id: otherId } = await newSignedInUser(other);
    expect((await fixture.adminClient.delete(`/api/v1/users/${otherId}/passkeys`)).status).toBe(404);

    // A custom configuration that manages users but holds little else: its holder is a limited admin.
    const custom = await test.operator.post(`/operator/v1/licences/${fixture.code}/rights-configurations`, { name: 'Desk', permissions: ['licence-configuration.users'] });
    expect(custom.status).toBe(201);
    const { client: desk } = await newSignedInUser(fixture, { configurationId: custom.body.id });
    const { id: richer } = await newSignedInUser(fixture, { configurationId: configurationId(fixture, 'advanced-user') });
    const answer = await desk.delete(`/api/v1/users/${richer}/passkeys`);
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe('exceeds_own_rights');
  });
});
