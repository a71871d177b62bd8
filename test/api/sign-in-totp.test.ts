import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, totp, totpStep } from '../../src/core/totp.ts';
import type { HttpClient } from '../support/http.ts';
import { createLicence, newUser, signIn, smsCode, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// An authenticator app (TOTP, RFC 6238) as a user's own second factor, enrolled from My account.

let test: TestApp;
let fixture: LicenceFixture;
let now: Date;

beforeAll(async () => {
  test = await startTestApp();
  // Steps of 30 seconds from a fixed start, so codes of neighbouring steps are known in advance.
  now = new Date(Math.ceil(Date.now() / 30_000) * 30_000 + 5_000);
  (test.app.context as { now: () => Date }).now = () => now;
  fixture = await createLicence(test);
});
afterAll(() => test.close());

const later = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};

async function newSignedInUser(overrides: Record<string, unknown> = {}) {
  const input = newUser(fixture, overrides);
  const created = await fixture.adminClient.post('/api/v1/users', input);
  expect(created.status).toBe(201);
  return { input, id: created.body.id as string, client: await signIn(test, fixture.code, input) };
}

/** Enrols an app for the user and answers its secret. */
async function enrol(client: HttpClient): Promise<Buffer> {
  const started = await client.post('/api/v1/me/totp', { password: TEST_PASSWORD });
  expect(started.status).toBe(200);
  const secret = base32Decode(started.body.secret);
  expect((await client.post('/api/v1/me/totp/confirm', { code: totp(secret, now) })).status).toBe(204);
  return secret;
}

const login = (loginName: string, licence = fixture.code) => {
  const client = test.anonymous();
  return client.post('/api/v1/auth/login', { licence, login: loginName, password: TEST_PASSWORD }).then((answer) => ({ client, answer }));
};

describe('setting up an authenticator app', () => {
  it('answers a secret and an otpauth URL once the password is given again, pending until a code confirms it', async () => {
    const { input, client } = await newSignedInUser();
    expect((await client.post('/api/v1/me/totp', { password: 'not my password' })).body).toMatchObject({ code: 'invalid_credentials', status: 403 });
    const started = await client.post('/api/v1/me/totp', { password: TEST_PASSWORD });
    expect(started.status).toBe(200);
    expect(started.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(started.body.otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe(started.body.secret);
    expect(decodeURIComponent(url.pathname)).toBe(`/Gatehouse:${fixture.code}/${input.login}`);

    // Not yet confirmed: sign-in does not ask for it.
    expect((await login(input.login)).answer.body.status).toBe('ok');
    expect((await client.get('/api/v1/me')).body.totpEnabled).toBe(false);

    const secret = base32Decode(started.body.secret);
    const wrong = await client.post('/api/v1/me/totp/confirm', { code: hotp(secret, totpStep(now) + 5) });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual([expect.objectContaining({ field: 'code', code: 'wrong_code' })]);
    expect((await client.post('/api/v1/me/totp/confirm', { code: totp(secret, now) })).status).toBe(204);
    expect((await client.get('/api/v1/me')).body.totpEnabled).toBe(true);
  });

  it('never shows the secret again, and keeps it sealed in the database', async () => {
    const { client, id } = await newSignedInUser();
    const secret = await enrol(client);
    const again = await client.post('/api/v1/me/totp', { password: TEST_PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.secret).toBeUndefined();
    expect(JSON.stringify((await client.get('/api/v1/me')).body)).not.toContain(base32Encode(secret));
    const stored = await test.database.handle.inScriptTransaction((exec) => exec('SELECT secret FROM user_totp WHERE user_id = $1', [id]));
    const column = String(stored.rows[0]?.secret);
    expect(column).not.toContain(base32Encode(secret));
  });
});

describe('signing in with an authenticator app', () => {
  it('asks for its code even though the licence has two-factor off, and takes a code once only', async () => {
    const { input, client } = await newSignedInUser();
    const secret = await enrol(client);
    later(30); // the confirming code's step is spent

    const { client: browser, answer } = await login(input.login);
    expect(answer.body).toEqual({ status: 'second_factor_required', challenge: expect.any(String), methods: ['totp'] });
    expect(await test.messagesTo(input.email)).toHaveLength(1); // the welcome e-mail only, no SMS
    const code = totp(secret, now);
    const finished = await browser.post('/api/v1/auth/second-factor', { challenge: answer.body.challenge, code });
    expect(finished.status).toBe(200);
    expect(finished.body.user.totpEnabled).toBe(true);

    // The same code, on a new sign-in within its 30 seconds, is refused.
    const replay = await login(input.login);
    expect((await replay.client.post('/api/v1/auth/second-factor', { challenge: replay.answer.body.challenge, code })).status).toBe(401);
    // So is the code of the step before; the next step's code works.
    expect((await replay.client.post('/api/v1/auth/second-factor', { challenge: replay.answer.body.challenge, code: hotp(secret, totpStep(now) - 1) })).status).toBe(401);
    later(30);
    expect((await replay.client.post('/api/v1/auth/second-factor', { challenge: replay.answer.body.challenge, code: totp(secret, now) })).status).toBe(200);
  });

  it('accepts a phone a step ahead or behind, not two', async () => {
    const { input, client } = await newSignedInUser();
    const secret = await enrol(client);
    later(60);
    const first = await login(input.login);
    expect((await first.client.post('/api/v1/auth/second-factor', { challenge: first.answer.body.challenge, code: hotp(secret, totpStep(now) + 2) })).status).toBe(401);
    expect((await first.client.post('/api/v1/auth/second-factor', { challenge: first.answer.body.challenge, code: hotp(secret, totpStep(now) - 1) })).status).toBe(200);
    const second = await login(input.login);
    expect((await second.client.post('/api/v1/auth/second-factor', { challenge: second.answer.body.challenge, code: hotp(secret, totpStep(now) + 1) })).status).toBe(200);
  });

  it('offers SMS beside the app while the licence has two-factor on, sending it only on request', async () => {
    const licence = await createLicence(test);
    expect((await licence.adminClient.patch('/api/v1/licence', { twoFactor: true })).status).toBe(200);
    const secret = await enrol(licence.adminClient);
    later(30);
    const mobile = licence.admin.mobile as string;
    const before = (await test.messagesTo(mobile)).length;
    const { client, answer } = await login('admin', licence.code);
    expect(answer.body.methods).toEqual(['totp', 'sms']);
    expect(await test.messagesTo(mobile)).toHaveLength(before);
    expect((await client.post('/api/v1/auth/second-factor/resend', { challenge: answer.body.challenge })).status).toBe(204);
    const sms = (await test.messagesTo(mobile)).at(-1)!;
    expect((await client.post('/api/v1/auth/second-factor', { challenge: answer.body.challenge, code: smsCode(sms.text) })).status).toBe(200);

    const withApp = await login('admin', licence.code);
    expect((await withApp.client.post('/api/v1/auth/second-factor', { challenge: withApp.answer.body.challenge, code: totp(secret, now) })).status).toBe(200);
  });

  it('refuses an SMS for a sign-in that only takes the app', async () => {
    const { input, client } = await newSignedInUser({ mobile: '+33698765432' });
    await enrol(client);
    const { answer } = await login(input.login);
    const resend = await test.anonymous().post('/api/v1/auth/second-factor/resend', { challenge: answer.body.challenge });
    expect(resend.status).toBe(409);
  });
});

describe('removing the authenticator app', () => {
  it('needs the password, and sign-in takes the password alone afterwards', async () => {
    const { input, client } = await newSignedInUser();
    await enrol(client);
    const wrong = await client.request('DELETE', '/api/v1/me/totp', { currentPassword: 'not my password' });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ code: 'step_up_failed', errors: [{ field: 'currentPassword', code: 'invalid' }] });
    expect((await login(input.login)).answer.body.status).toBe('second_factor_required');
    expect((await client.request('DELETE', '/api/v1/me/totp', { currentPassword: TEST_PASSWORD })).status).toBe(204);
    expect((await login(input.login)).answer.body.status).toBe('ok');
    // The former field name still works for clients written before step-up.
    expect((await client.request('DELETE', '/api/v1/me/totp', { password: TEST_PASSWORD })).status).toBe(404);
  });

  it('is refused without a session or without the CSRF header', async () => {
    expect((await test.anonymous().request('DELETE', '/api/v1/me/totp', { password: TEST_PASSWORD })).status).toBe(401);
    const { client } = await newSignedInUser();
    const noCsrf = await client.request('POST', '/api/v1/me/totp', { password: TEST_PASSWORD }, { 'x-csrf-token': '' });
    expect(noCsrf.body.code).toBe('csrf_failed');
  });
});

describe('an admin removing a user’s authenticator app', () => {
  it('lets the user sign in with the password alone again, and is audited', async () => {
    const { input, id, client } = await newSignedInUser();
    await enrol(client);
    expect((await login(input.login)).answer.body.status).toBe('second_factor_required');
    expect((await fixture.adminClient.delete(`/api/v1/users/${id}/totp`)).status).toBe(204);
    expect((await login(input.login)).answer.body.status).toBe('ok');
    expect((await fixture.adminClient.delete(`/api/v1/users/${id}/totp`)).status).toBe(404);
    const trail = await fixture.adminClient.get(`/api/v1/audit-events?target=${id}&action=user.authenticator_remove`);
    expect(trail.body.items).toHaveLength(1);
  });
});
