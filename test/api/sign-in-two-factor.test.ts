import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/platform/db/schema.ts';
import { createLicence, linkToken, newUser, signInWithSms, smsCode, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// Two-factor sign-in by SMS, while the licence has it on: the password opens a challenge, a 6-digit
// code sent by SMS through the outbox closes it.

let test: TestApp;
let fixture: LicenceFixture;
let now: Date;
const later = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};

beforeAll(async () => {
  test = await startTestApp();
  now = new Date();
  (test.app.context as { now: () => Date }).now = () => now;
  fixture = await createLicence(test);
  expect((await fixture.adminClient.patch('/api/v1/licence', { twoFactor: true })).status).toBe(200);
});
afterAll(() => test.close());

let mobiles = 0;
/** A user of the licence with a mobile of their own, password set. */
async function userWithMobile(overrides: Record<string, unknown> = {}) {
  const mobile = `+336120000${String(++mobiles).padStart(2, '0')}`;
  const input = newUser(fixture, { mobile, ...overrides });
  const created = await fixture.adminClient.post('/api/v1/users', input);
  expect(created.status).toBe(201);
  const [welcome] = await test.messagesTo(input.email);
  expect((await test.anonymous().post('/api/v1/auth/password-reset/complete', { token: linkToken(welcome!.text), password: TEST_PASSWORD })).status).toBe(204);
  return { ...input, mobile, id: created.body.id as string };
}

async function passwordStep(login: string, password = TEST_PASSWORD) {
  const client = test.anonymous();
  const answer = await client.post('/api/v1/auth/login', { licence: fixture.code, login, password });
  return { client, answer };
}

describe('signing in while the licence has two-factor on', () => {
  it('asks for a second factor and sends a 6-digit code by SMS instead of opening a session', async () => {
    const user = await userWithMobile();
    const { answer } = await passwordStep(user.login);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'second_factor_required', challenge: expect.any(String), methods: ['sms'] });
    expect(answer.headers.get('set-cookie')).toBeNull();
    const [sms] = await test.messagesTo(user.mobile);
    expect(sms).toMatchObject({ channel: 'sms', to: user.mobile });
    expect(sms!.text).toMatch(/^\d{6} is your Licence .* sign-in code, valid for 5 minutes/);
  });

  it('writes the SMS in the user’s language', async () => {
    const user = await userWithMobile({ language: 'fr' });
    await passwordStep(user.login);
    const [sms] = await test.messagesTo(user.mobile);
    expect(sms!.text).toMatch(/^\d{6} est votre code de connexion .*, valable 5 minutes/);
  });

  it('opens the session with the right code, exactly as a one-step sign-in does', async () => {
    const user = await userWithMobile();
    const { client, answer } = await passwordStep(user.login);
    const code = smsCode((await test.messagesTo(user.mobile)).at(-1)!.text);
    const finished = await client.post('/api/v1/auth/second-factor', { challenge: answer.body.challenge, code });
    expect(finished.status).toBe(200);
    expect(finished.body).toMatchObject({ status: 'ok', csrfToken: expect.any(String), user: { login: user.login, totpEnabled: false } });
    const cookie = finished.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^gatehouse_session=.*HttpOnly.*SameSite=Lax/i);
    client.csrfToken = finished.body.csrfToken;
    expect((await client.get('/api/v1/me')).body.login).toBe(user.login);
    expect(Date.parse((await client.get('/api/v1/me')).body.lastLoginAt)).toBe(now.getTime());
  });

  it('takes each code once', async () => {
    const user = await userWithMobile();
    const { answer } = await passwordStep(user.login);
    const code = smsCode((await test.messagesTo(user.mobile)).at(-1)!.text);
    const body = { challenge: answer.body.challenge, code };
    const [first, second] = await Promise.all([test.anonymous().post('/api/v1/auth/second-factor', body), test.anonymous().post('/api/v1/auth/second-factor', body)]);
    expect([first.status, second.status].sort()).toEqual([200, 401]);
    const again = await test.anonymous().post('/api/v1/auth/second-factor', body);
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('invalid_credentials');
  });

  it('answers a wrong code with invalid_credentials, and kills the challenge after 5 tries', async () => {
    const user = await userWithMobile();
    const { answer } = await passwordStep(user.login);
    const code = smsCode((await test.messagesTo(user.mobile)).at(-1)!.text);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const refused = await test.anonymous().post('/api/v1/auth/second-factor', { challenge: answer.body.challenge, code: wrong });
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('invalid_credentials');
    }
    const tooLate = await test.anonymous().post('/api/v1/auth/second-factor', { challenge: answer.body.challenge, code });
    expect(tooLate.status).toBe(401);
    // Wrong codes count against the account like wrong passwords: the sign-in that opened the
    // challenge and five wrong codes make six failures, a lock of two minutes.
    const locked = await passwordStep(user.login);
    expect(locked.answer.status).toBe(429);
    expect(locked.answer.headers.get('retry-after')).toBe('120');
    later(120);
    await signInWithSms(test, fixture.code, user.login, user.mobile);
  });

  it('lets a code live 5 minutes', async () => {
    const user = await userWithMobile();
    const { answer } = await passwordStep(user.login);
    const code = smsCode((await test.messagesTo(user.mobile)).at(-1)!.text);
    later(5 * 60 + 1);
    expect((await test.anonymous().post('/api/v1/auth/second-factor', { challenge: answer.body.challenge, code })).status).toBe(401);

    const { answer: fresh } = await passwordStep(user.login);
    const freshCode = smsCode((await test.messagesTo(user.mobile)).at(-1)!.text);
    later(4 * 60 + 50);
    expect((await test.anonymous().post('/api/v1/auth/second-factor', { challenge: fresh.body.challenge, code: freshCode })).status).toBe(200);
  });

  it('re-sends a new code at most 3 times, 30 seconds apart; the previous code stops working', async () => {
    const user = await userWithMobile();
    const { answer } = await passwordStep(user.login);
    const challenge = answer.body.challenge;
    const first = smsCode((await test.messagesTo(user.mobile)).at(-1)!.text);

    const tooSoon = await test.anonymous().post('/api/v1/auth/second-factor/resend', { challenge });
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.code).toBe('too_many_attempts');
    expect(Number(tooSoon.headers.get('retry-after'))).toBe(30);

    const codes = [first];
    for (let i = 0; i < 3; i++) {
      later(30);
      expect((await test.anonymous().post('/api/v1/auth/second-factor/resend', { challenge })).status).toBe(204);
      codes.push(smsCode((await test.messagesTo(user.mobile)).at(-1)!.text));
    }
    expect(await test.messagesTo(user.mobile)).toHaveLength(4);
    later(30);
    const exhausted = await test.anonymous().post('/api/v1/auth/second-factor/resend', { challenge });
    expect(exhausted.status).toBe(429);
    expect(Number(exhausted.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await test.messagesTo(user.mobile)).toHaveLength(4);

    const last = codes.at(-1)!;
    const stale = codes.find((c) => c !== last);
    if (stale !== undefined) expect((await test.anonymous().post('/api/v1/auth/second-factor', { challenge, code: stale })).status).toBe(401);
    expect((await test.anonymous().post('/api/v1/auth/second-factor', { challenge, code: last })).status).toBe(200);
  });

  it('refuses to re-send for an unknown challenge', async () => {
    const answer = await test.anonymous().post('/api/v1/auth/second-factor/resend', { challenge: 'made-up' });
    expect(answer.status).toBe(401);
  });

  it('ends a waiting sign-in when the user is deactivated or their password reset', async () => {
    const user = await userWithMobile();
    const { answer } = await passwordStep(user.login);
    const code = smsCode((await test.messagesTo(user.mobile)).at(-1)!.text);
    expect((await fixture.adminClient.post(`/api/v1/users/${user.id}/password-reset`)).status).toBe(202);
    expect((await test.anonymous().post('/api/v1/auth/second-factor', { challenge: answer.body.challenge, code })).status).toBe(401);

    const reset = (await test.messagesTo(user.email)).at(-1)!;
    // A new password: the last five are refused (the licence's renewal rules).
    const renewed = 'a brand new horse battery staple';
    expect((await test.anonymous().post('/api/v1/auth/password-reset/complete', { token: linkToken(reset.text), password: renewed })).status).toBe(204);
    const { answer: second } = await passwordStep(user.login, renewed);
    const secondCode = smsCode((await test.messagesTo(user.mobile)).at(-1)!.text);
    expect((await fixture.adminClient.post(`/api/v1/users/${user.id}/deactivate`)).status).toBe(200);
    expect((await test.anonymous().post('/api/v1/auth/second-factor', { challenge: second.body.challenge, code: secondCode })).status).toBe(401);
  });

  it('still answers a wrong password with invalid_credentials and sends no SMS', async () => {
    const user = await userWithMobile();
    const { answer } = await passwordStep(user.login, 'not the password at all');
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('invalid_credentials');
    expect(await test.messagesTo(user.mobile)).toHaveLength(0);
  });

  it('signs in with the password alone again once the licence turns two-factor off', async () => {
    const other = await createLicence(test);
    const login = () => test.anonymous().post('/api/v1/auth/login', { licence: other.code, login: 'admin', password: TEST_PASSWORD });
    expect((await login()).body.status).toBe('ok');
    expect((await other.adminClient.patch('/api/v1/licence', { twoFactor: true })).status).toBe(200);
    expect((await login()).body.status).toBe('second_factor_required');
    expect((await other.adminClient.patch('/api/v1/licence', { twoFactor: false, currentPassword: TEST_PASSWORD })).status).toBe(200);
    expect((await login()).body.status).toBe('ok');
  });
});

describe('a user without a mobile while two-factor is on', () => {
  it('cannot be activated again until they have one, and stays deactivated', async () => {
    const other = await createLicence(test);
    const created = await other.adminClient.post('/api/v1/users', newUser(other));
    expect(created.body.mobile).toBeNull();
    expect((await other.adminClient.post(`/api/v1/users/${created.body.id}/deactivate`)).status).toBe(200);
    expect((await other.adminClient.patch('/api/v1/licence', { twoFactor: true })).status).toBe(200);

    const refused = await other.adminClient.post(`/api/v1/users/${created.body.id}/activate`);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'mobile', code: 'required_when_two_factor' })]);
    expect(refused.body.detail).toMatch(/mobile/);
    expect((await other.adminClient.get(`/api/v1/users/${created.body.id}`)).body.status).toBe('deactivated');

    expect((await other.adminClient.patch(`/api/v1/users/${created.body.id}`, { mobile: '+33612000099' })).status).toBe(200);
    expect((await other.adminClient.post(`/api/v1/users/${created.body.id}/activate`)).body.status).toBe('active');
  });

  it('is told at sign-in exactly what is wrong: no mobile, ask the administrator', async () => {
    const user = await userWithMobile();
    // A mobile lost before this rule existed: the data the refusal is for.
    await test.app.context.db.update(users).set({ mobile: null }).where(eq(users.id, user.id));
    const { answer } = await passwordStep(user.login);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.detail).toBe('Your licence requires a code sent by SMS, but your account has no mobile number: ask your administrator to add one');
    expect(await test.messagesTo(user.mobile)).toHaveLength(0);
  });
});
