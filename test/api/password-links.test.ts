import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, linkToken, newUser, signInWithPassword, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// A user has one working set-password link at most: the newest. Every outstanding link is spent when
// their e-mail changes, when a new link is issued, when their password changes, and when they are
// deactivated or deleted, so that a link sent to a mistyped address, or asked for before a password
// change, can never set the password afterwards.

let test: TestApp;
let fixture: LicenceFixture;

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

/** A new user of the licence; their welcome link is the newest e-mail to their address. */
async function createUser(overrides: Record<string, unknown> = {}) {
  const input = newUser(fixture, overrides);
  const created = await fixture.adminClient.post('/api/v1/users', input);
  expect(created.status).toBe(201);
  return { ...input, id: created.body.id as string };
}

/** The token of the newest set-password link e-mailed to this address. */
async function newestLink(email: string): Promise<string> {
  const messages = await test.messagesTo(email);
  return linkToken(messages.at(-1)!.text);
}

const complete = (token: string, password = TEST_PASSWORD) => test.anonymous().post('/api/v1/auth/password-reset/complete', { token, password });

async function expectSpent(token: string) {
  const answer = await complete(token, 'an attacker chose this passphrase');
  expect(answer.status).toBe(400);
  expect(answer.body.code).toBe('invalid_token');
}

const adminReset = async (userId: string) => expect((await fixture.adminClient.post(`/api/v1/users/${userId}/password-reset`)).status).toBe(202);

describe('an outstanding set-password link', () => {
  it('is spent when the e-mail changes: the welcome link sent to a mistyped address no longer works', async () => {
    const user = await createUser({ email: `mistyped-${Date.now()}@exmaple.com` });
    const welcome = await newestLink(user.email);
    const corrected = `corrected-${Date.now()}@example.com`;
    expect((await fixture.adminClient.patch(`/api/v1/users/${user.id}`, { email: corrected })).status).toBe(200);
    await expectSpent(welcome);

    await adminReset(user.id);
    expect((await complete(await newestLink(corrected))).status).toBe(204);
    expect((await test.messagesTo(user.email)).length).toBe(1);
  });

  it('is spent when a new link is issued: only the newest works', async () => {
    const user = await createUser();
    const welcome = await newestLink(user.email);
    expect((await test.anonymous().post('/api/v1/auth/password-reset', { licence: fixture.code, login: user.login })).status).toBe(202);
    const first = await newestLink(user.email);
    expect(first).not.toBe(welcome);
    await adminReset(user.id);
    const newest = await newestLink(user.email);
    await expectSpent(welcome);
    await expectSpent(first);
    expect((await complete(newest)).status).toBe(204);
  });

  it('is spent when the password is set from a link', async () => {
    const user = await createUser();
    const welcome = await newestLink(user.email);
    expect((await complete(welcome)).status).toBe(204);
    await expectSpent(welcome);
    await adminReset(user.id);
    expect((await complete(await newestLink(user.email), 'the newest link still works')).status).toBe(204);
  });

  it('is spent when the user changes their password themselves', async () => {
    const user = await createUser();
    expect((await complete(await newestLink(user.email))).status).toBe(204);
    const session = await signInWithPassword(test, fixture.code, user.login);
    // A reset asked for (by anyone who knows the login), then the user changes their password.
    expect((await test.anonymous().post('/api/v1/auth/password-reset', { licence: fixture.code, login: user.login })).status).toBe(202);
    const requested = await newestLink(user.email);
    expect((await session.put('/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' })).status).toBe(204);
    await expectSpent(requested);
    expect((await signInWithPassword(test, fixture.code, user.login, 'a brand new passphrase')).csrfToken).toBeTruthy();

    await adminReset(user.id);
    expect((await complete(await newestLink(user.email), 'the newest link still works')).status).toBe(204);
  });

  it('is spent when the user is deactivated, and does not come back with the reactivation', async () => {
    const user = await createUser();
    const welcome = await newestLink(user.email);
    expect((await fixture.adminClient.post(`/api/v1/users/${user.id}/deactivate`, {})).status).toBe(200);
    expect((await fixture.adminClient.post(`/api/v1/users/${user.id}/activate`)).status).toBe(200);
    await expectSpent(welcome);
    await adminReset(user.id);
    expect((await complete(await newestLink(user.email))).status).toBe(204);
  });

  it('is spent when the user is deleted', async () => {
    const user = await createUser();
    const welcome = await newestLink(user.email);
    expect((await fixture.adminClient.delete(`/api/v1/users/${user.id}`)).status).toBe(204);
    await expectSpent(welcome);
    const rows = await test.database.handle.inScriptTransaction((exec) => exec('SELECT count(*)::int AS n FROM password_tokens WHERE user_id = $1', [user.id]));
    expect(rows.rows[0]?.n).toBe(0);
  });
});
