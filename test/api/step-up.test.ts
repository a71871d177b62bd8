import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../src/core/totp.ts';
import type { HttpAnswer, HttpClient } from '../support/http.ts';
import { createLicence, newUser, signIn, signInWithSms, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// Step-up: four dangerous acts ask for the acting person's current password (or a code from their
// authenticator app) again, in the same request.

let test: TestApp;
let now: Date;

beforeAll(async () => {
  test = await startTestApp();
  // A clock the tests move, so authenticator codes of the next 30-second step are known in advance.
  now = new Date(Math.ceil(Date.now() / 30_000) * 30_000 + 5_000);
  (test.app.context as { now: () => Date }).now = () => now;
});
afterAll(() => test.close());

const later = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};

const canSignIn = async (licence: string, login: string) => (await test.anonymous().post('/api/v1/auth/login', { licence, login, password: TEST_PASSWORD })).status === 200;

function expectRequired(answer: HttpAnswer) {
  expect(answer.status).toBe(403);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  expect(answer.body).toMatchObject({ code: 'step_up_required', errors: [{ field: 'currentPassword', code: 'required' }] });
}

function expectFailed(answer: HttpAnswer, field = 'currentPassword') {
  expect(answer.status).toBe(403);
  expect(answer.body).toMatchObject({ code: 'step_up_failed', errors: [{ field, code: 'invalid' }] });
}

describe('resetting every password', () => {
  it('asks for the current password, and changes nothing until it is right', async () => {
    const fixture = await createLicence(test);
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    await signIn(test, fixture.code, input);

    expectRequired(await fixture.adminClient.post('/api/v1/users/password-reset'));
    expectRequired(await fixture.adminClient.post('/api/v1/users/password-reset', {}));
    expectFailed(await fixture.adminClient.post('/api/v1/users/password-reset', { currentPassword: 'not my password' }));
    expect(await canSignIn(fixture.code, input.login)).toBe(true);

    const done = await fixture.adminClient.post('/api/v1/users/password-reset', { currentPassword: TEST_PASSWORD });
    expect(done.status).toBe(202);
    expect(done.body).toEqual({ count: 2 });
    expect(await canSignIn(fixture.code, input.login)).toBe(false);
  });
});

describe('turning licence two-factor off', () => {
  it('asks for the current password only to turn it off', async () => {
    const fixture = await createLicence(test);
    expect((await fixture.adminClient.patch('/api/v1/licence', { twoFactor: true })).status).toBe(200);
    const admin = await signInWithSms(test, fixture.code, 'admin', fixture.admin.mobile);

    expectRequired(await admin.patch('/api/v1/licence', { twoFactor: false }));
    expectFailed(await admin.patch('/api/v1/licence', { twoFactor: false, currentPassword: 'not my password' }));
    expect((await admin.get('/api/v1/licence')).body.twoFactor).toBe(true);

    const off = await admin.patch('/api/v1/licence', { twoFactor: false, currentPassword: TEST_PASSWORD });
    expect(off.status).toBe(200);
    expect(off.body.twoFactor).toBe(false);
    // Off already: nothing is lowered, nothing is asked.
    expect((await admin.patch('/api/v1/licence', { twoFactor: false })).status).toBe(200);
  });
});

describe('deactivating the support account', () => {
  let fixture: LicenceFixture;
  let supportId: string;

  beforeAll(async () => {
    fixture = await createLicence(test);
    supportId = (await fixture.adminClient.get('/api/v1/users?q=support')).body.items.find((u: { login: string }) => u.login === 'support').id;
  });

  it('asks for the current password, and leaves support active until it is right', async () => {
    expectRequired(await fixture.adminClient.post(`/api/v1/users/${supportId}/deactivate`));
    expectFailed(await fixture.adminClient.post(`/api/v1/users/${supportId}/deactivate`, { currentPassword: 'not my password' }));
    expect((await fixture.adminClient.get(`/api/v1/users/${supportId}`)).body.status).toBe('active');

    const done = await fixture.adminClient.post(`/api/v1/users/${supportId}/deactivate`, { currentPassword: TEST_PASSWORD });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('deactivated');
    // Reactivating lets the vendor back in: no confirmation needed.
    expect((await fixture.adminClient.post(`/api/v1/users/${supportId}/activate`)).body.status).toBe('active');
  });

  it('asks nothing to deactivate anyone else', async () => {
    const created = await fixture.adminClient.post('/api/v1/users', newUser(fixture));
    expect((await fixture.adminClient.post(`/api/v1/users/${created.body.id}/deactivate`)).body.status).toBe('deactivated');
  });
});

describe('removing one’s own authenticator app', () => {
  let fixture: LicenceFixture;
  let user: HttpClient;
  let secret: Uint8Array;

  beforeAll(async () => {
    fixture = await createLicence(test);
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    user = await signIn(test, fixture.code, input);
    const started = await user.post('/api/v1/me/totp', { password: TEST_PASSWORD });
    secret = base32Decode(started.body.secret);
    expect((await user.post('/api/v1/me/totp/confirm', { code: totp(secret, now) })).status).toBe(204);
  });

  it('asks for the current password or a code, and keeps the app until one is right', async () => {
    expectRequired(await user.request('DELETE', '/api/v1/me/totp', {}));
    expectFailed(await user.request('DELETE', '/api/v1/me/totp', { currentPassword: 'not my password' }));
    expectFailed(await user.request('DELETE', '/api/v1/me/totp', { code: '000000' === totp(secret, now) ? '111111' : '000000' }), 'code');
    expect((await user.get('/api/v1/me')).body.totpEnabled).toBe(true);

    later(30);
    expect((await user.request('DELETE', '/api/v1/me/totp', { code: totp(secret, now) })).status).toBe(204);
    expect((await user.get('/api/v1/me')).body.totpEnabled).toBe(false);
  });
});

describe('a code instead of the password', () => {
  it('confirms an act for a user who signs in with an authenticator app, once per code', async () => {
    const fixture = await createLicence(test);
    const started = await fixture.adminClient.post('/api/v1/me/totp', { password: TEST_PASSWORD });
    const secret = base32Decode(started.body.secret);
    expect((await fixture.adminClient.post('/api/v1/me/totp/confirm', { code: totp(secret, now) })).status).toBe(204);
    // The code that confirmed the app is spent.
    expectFailed(await fixture.adminClient.post('/api/v1/users/password-reset', { code: totp(secret, now) }), 'code');
    later(30);
    expect((await fixture.adminClient.post('/api/v1/users/password-reset', { code: totp(secret, now) })).status).toBe(202);
  });
});

describe('guessing through step-up', () => {
  it('counts wrong tries in the account’s sign-in throttle', async () => {
    const fixture = await createLicence(test);
    for (let i = 0; i < 5; i++) expectFailed(await fixture.adminClient.post('/api/v1/users/password-reset', { currentPassword: `wrong guess ${i}` }));
    const locked = await fixture.adminClient.post('/api/v1/users/password-reset', { currentPassword: TEST_PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('too_many_attempts');
    const signInLocked = await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: 'admin', password: TEST_PASSWORD });
    expect(signInLocked.status).toBe(429);
    later(120);
    expect(await canSignIn(fixture.code, 'admin')).toBe(true);
  });
});

describe('a support visit', () => {
  it('cannot do a step-up act: the support account has no password', async () => {
    const fixture = await createLicence(test);
    expect((await fixture.adminClient.patch('/api/v1/licence', { twoFactor: true })).status).toBe(200);
    const opened = await test.operator.post(`/operator/v1/licences/${fixture.code}/support-sessions`, { ticket: 'SUP-9', description: 'Reset request', operator: 'Sam' });
    const support = test.anonymous().withBearer(opened.body.sessionToken);

    for (const answer of [
      await support.post('/api/v1/users/password-reset', { currentPassword: 'anything at all' }),
      await support.patch('/api/v1/licence', { twoFactor: false, currentPassword: 'anything at all' }),
    ]) {
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('forbidden');
      expect(answer.body.detail).toMatch(/support visit/i);
    }
    expect(await canSignIn(fixture.code, 'admin')).toBe(true);
    expect((await fixture.adminClient.get('/api/v1/licence')).body.twoFactor).toBe(true);
  });
});

describe('the OpenAPI document', () => {
  it('documents the confirmation fields of every step-up act', async () => {
    const document = (await test.anonymous().get('/openapi.json')).body;
    const bodyOf = (path: string, method: string) => JSON.stringify(document.paths[path][method].requestBody);
    for (const [path, method] of [
      ['/api/v1/users/password-reset', 'post'],
      ['/api/v1/users/{id}/deactivate', 'post'],
      ['/api/v1/licence', 'patch'],
      ['/api/v1/me/totp', 'delete'],
    ] as const) {
      expect(bodyOf(path, method)).toContain('currentPassword');
      expect(bodyOf(path, method)).toContain('code');
    }
  });
});
