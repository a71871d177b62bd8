import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, linkToken, newUser, signIn, signInWithPassword, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';
import type { HttpClient } from '../support/http.ts';

// Every server process keeps the sessions it has checked for a few seconds. These promises hold
// anyway: whatever ends a session ends it at once, even one that was used a moment before.

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

/** A user signed in twice (two devices), both sessions used once, so both are held checked. */
async function userWithTwoSessions(): Promise<{ id: string; login: string; email: string; here: HttpClient; elsewhere: HttpClient }> {
  const input = newUser(fixture);
  const created = await fixture.adminClient.post('/api/v1/users', input);
  const here = await signIn(test, fixture.code, input);
  const elsewhere = await signInWithPassword(test, fixture.code, input.login);
  expect((await here.get('/api/v1/me')).status).toBe(200);
  expect((await elsewhere.get('/api/v1/me')).status).toBe(200);
  return { ...input, id: created.body.id, here, elsewhere };
}

describe('a session used a moment ago', () => {
  it('ends at sign-out, even through a copied cookie', async () => {
    const user = await userWithTwoSessions();
    const copy = user.here.cloneCookies();
    expect((await copy.get('/api/v1/me')).status).toBe(200);
    await user.here.post('/api/v1/auth/logout');
    expect((await copy.get('/api/v1/me')).status).toBe(401);
    expect((await user.elsewhere.get('/api/v1/me')).status).toBe(200);
  });

  it('ends when an admin resets the password', async () => {
    const user = await userWithTwoSessions();
    await fixture.adminClient.post(`/api/v1/users/${user.id}/password-reset`);
    expect((await user.here.get('/api/v1/me')).status).toBe(401);
    expect((await user.elsewhere.get('/api/v1/me')).status).toBe(401);
  });

  it('ends when an admin resets every password, but the admin’s own', async () => {
    const user = await userWithTwoSessions();
    expect((await fixture.adminClient.post('/api/v1/users/password-reset', { currentPassword: TEST_PASSWORD })).status).toBe(202);
    expect((await user.here.get('/api/v1/me')).status).toBe(401);
    expect((await fixture.adminClient.get('/api/v1/me')).status).toBe(200);
    // The admin's password was reset too: a new one (not one of their last five) for the tests that follow.
    const link = (await test.messagesTo(fixture.admin.email)).at(-1)!;
    const renewed = 'a freshly chosen passphrase';
    const completed = await test.anonymous().post('/api/v1/auth/password-reset/complete', { token: linkToken(link.text), password: renewed });
    expect(completed.status).toBe(204);
    fixture.adminClient = await signInWithPassword(test, fixture.code, 'admin', renewed);
  });

  it('ends when the user changes their password elsewhere', async () => {
    const user = await userWithTwoSessions();
    await user.here.put('/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: 'another long passphrase' });
    expect((await user.here.get('/api/v1/me')).status).toBe(200);
    expect((await user.elsewhere.get('/api/v1/me')).status).toBe(401);
  });

  it('ends when a reset link is used', async () => {
    const user = await userWithTwoSessions();
    await test.anonymous().post('/api/v1/auth/password-reset', { licence: fixture.code, login: user.login });
    const link = (await test.messagesTo(user.email)).at(-1)!;
    expect((await test.anonymous().post('/api/v1/auth/password-reset/complete', { token: linkToken(link.text), password: 'a fresh long passphrase' })).status).toBe(204);
    expect((await user.here.get('/api/v1/me')).status).toBe(401);
    expect((await user.elsewhere.get('/api/v1/me')).status).toBe(401);
  });

  it('ends when the user is deleted', async () => {
    const user = await userWithTwoSessions();
    await fixture.adminClient.delete(`/api/v1/users/${user.id}`);
    expect((await user.here.get('/api/v1/me')).status).toBe(401);
  });
});
