import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, linkToken, newUser, signIn, signInWithPassword, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

describe('signing in', () => {
  it('sets an HttpOnly SameSite=Lax cookie and answers the CSRF token and the account', async () => {
    const answer = await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: 'ADMIN', password: TEST_PASSWORD });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'ok', csrfToken: expect.any(String), user: { login: 'admin', licence: { code: fixture.code } } });
    const cookie = answer.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^gatehouse_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // plain http on localhost only
  });

  it('answers invalid_credentials alike for unknown licence, unknown login and wrong password', async () => {
    const attempts = [
      { licence: 'no-such-licence', login: 'admin', password: TEST_PASSWORD },
      { licence: fixture.code, login: 'nobody', password: TEST_PASSWORD },
      { licence: fixture.code, login: 'admin', password: 'wrong password!!' },
      { licence: fixture.code, login: 'support', password: TEST_PASSWORD },
    ];
    for (const attempt of attempts) {
      const answer = await test.anonymous().post('/api/v1/auth/login', attempt);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ type: expect.any(String), title: 'Invalid credentials', status: 401, detail: 'Wrong licence, login or password', code: 'invalid_credentials' });
    }
  });

  it('shows my account with my configuration, my entities and my last sign-in', async () => {
    const me = await fixture.adminClient.get('/api/v1/me');
    expect(me.body).toMatchObject({
      login: 'admin',
      email: fixture.admin.email,
      licence: { code: fixture.code, name: fixture.licence.name },
      configuration: { name: 'Admin', kind: 'standard' },
      entities: [{ code: 'main', name: 'Main', isDefault: true }],
    });
    expect(Date.parse(me.body.lastLoginAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('dates the sign-in before the one that opened the session: the current one is no news', async () => {
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    const first = await signIn(test, fixture.code, input);
    const firstMe = (await first.get('/api/v1/me')).body;
    expect(firstMe.previousLoginAt).toBeNull();
    const firstSignInAt = firstMe.lastLoginAt;

    const second = await signInWithPassword(test, fixture.code, input.login);
    const secondMe = (await second.get('/api/v1/me')).body;
    expect(secondMe.previousLoginAt).toBe(firstSignInAt);
    expect(Date.parse(secondMe.lastLoginAt)).toBeGreaterThan(Date.parse(firstSignInAt));

    const third = await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: input.login, password: TEST_PASSWORD });
    expect(third.body.user.previousLoginAt).toBe(secondMe.lastLoginAt);
    // Each session keeps its own: the first still has none before it, the second still the first.
    expect((await first.get('/api/v1/me')).body.previousLoginAt).toBeNull();
    expect((await second.get('/api/v1/me')).body.previousLoginAt).toBe(firstSignInAt);
    expect((await second.get('/api/v1/auth/session')).body.user.previousLoginAt).toBe(firstSignInAt);
  });

  it('gives the CSRF token back to a console that reloads its page', async () => {
    const client = await signInWithPassword(test, fixture.code, 'admin');
    const token = client.csrfToken;
    const session = await client.get('/api/v1/auth/session');
    expect(session.body.csrfToken).toBe(token);
    expect(session.body.status).toBe('ok');
  });
});

describe('CSRF', () => {
  it('refuses a cookie-authenticated change without the X-CSRF-Token header', async () => {
    const client = await signInWithPassword(test, fixture.code, 'admin');
    const input = newUser(fixture);
    const missing = await client.request('POST', '/api/v1/users', input, { 'x-csrf-token': '' });
    expect(missing.status).toBe(403);
    expect(missing.body.code).toBe('csrf_failed');
    const wrong = await client.request('POST', '/api/v1/users', input, { 'x-csrf-token': 'forged' });
    expect(wrong.body.code).toBe('csrf_failed');
    expect((await client.get(`/api/v1/users?q=${input.login}`)).body.items).toHaveLength(0);
    expect((await client.post('/api/v1/users', input)).status).toBe(201);
  });
});

describe('signing out', () => {
  it('ends the session', async () => {
    const client = await signInWithPassword(test, fixture.code, 'admin');
    const stolen = client.cloneCookies();
    expect((await client.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await client.get('/api/v1/me')).status).toBe(401);
    expect((await stolen.get('/api/v1/me')).status).toBe(401);
  });
});

describe('set-password links', () => {
  it('work once, and a new password must be long enough', async () => {
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    const [welcome] = await test.messagesTo(input.email);
    const token = linkToken(welcome!.text);
    const weak = await test.anonymous().post('/api/v1/auth/password-reset/complete', { token, password: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.body.code).toBe('weak_password');
    const containsLogin = await test.anonymous().post('/api/v1/auth/password-reset/complete', { token, password: `my ${input.login} password` });
    expect(containsLogin.body).toMatchObject({ code: 'weak_password', reason: 'contains_login' });

    expect((await test.anonymous().post('/api/v1/auth/password-reset/complete', { token, password: TEST_PASSWORD })).status).toBe(204);
    const reused = await test.anonymous().post('/api/v1/auth/password-reset/complete', { token, password: 'another long passphrase' });
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe('invalid_token');
    expect((await test.anonymous().post('/api/v1/auth/password-reset/complete', { token: 'made-up', password: TEST_PASSWORD })).body.code).toBe('invalid_token');
    await signInWithPassword(test, fixture.code, input.login);
  });

  it('expire: a reset link is good for one hour only', async () => {
    let now = new Date();
    const clocked = await startTestApp();
    try {
      (clocked.app.context as { now: () => Date }).now = () => now;
      const licence = await createLicence(clocked);
      await clocked.anonymous().post('/api/v1/auth/password-reset', { licence: licence.code, login: 'admin' });
      const reset = (await clocked.messagesTo(licence.admin.email)).at(-1)!;
      expect(reset.subject).toContain('Reset');
      now = new Date(now.getTime() + 61 * 60_000);
      const late = await clocked.anonymous().post('/api/v1/auth/password-reset/complete', { token: linkToken(reset.text), password: 'a fresh long passphrase' });
      expect(late.body.code).toBe('invalid_token');
    } finally {
      await clocked.close();
    }
  });

  it('rations reset e-mails to three an hour per account, answering every request alike', async () => {
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    const before = (await test.messagesTo(input.email)).length;
    for (let i = 0; i < 5; i++) {
      expect((await test.anonymous().post('/api/v1/auth/password-reset', { licence: fixture.code, login: input.login })).status).toBe(202);
    }
    expect((await test.messagesTo(input.email)).length - before).toBe(3);
  });

  it('answers a reset request the same whether or not the account exists', async () => {
    const known = await test.anonymous().post('/api/v1/auth/password-reset', { licence: fixture.code, login: 'admin' });
    const unknown = await test.anonymous().post('/api/v1/auth/password-reset', { licence: fixture.code, login: 'nobody' });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
  });
});

describe('changing my password', () => {
  it('needs the current one and ends my other sessions', async () => {
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    const here = await signIn(test, fixture.code, input);
    const elsewhere = await signInWithPassword(test, fixture.code, input.login);
    const wrong = await here.put('/api/v1/me/password', { currentPassword: 'not my password', newPassword: 'a brand new passphrase' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('invalid_credentials');
    expect((await here.put('/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' })).status).toBe(204);
    expect((await here.get('/api/v1/me')).status).toBe(200);
    expect((await elsewhere.get('/api/v1/me')).status).toBe(401);
    await signInWithPassword(test, fixture.code, input.login, 'a brand new passphrase');
  });
});
