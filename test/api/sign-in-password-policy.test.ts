import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, linkToken, newUser, signIn, signInWithPassword, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// The password policy, wherever a password is chosen: 12 to 256 characters, no composition rules,
// not a common one, not a trivial pattern, not the login or the e-mail. Refusals are 422
// weak_password with the reason, and nothing changes.

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

let mailboxes = 0;
/** A user whose e-mail does not repeat the login, so each reason is met alone. */
const userInput = () => newUser(fixture, { email: `grace.hopper.${process.pid}.${++mailboxes}@navy.example` });

const cases = [
  { reason: 'too_short', password: 'elevenchars' },
  { reason: 'too_long', password: 'y'.repeat(100) + 'z'.repeat(100) + 'x'.repeat(57) },
  { reason: 'common', password: 'qwerty123456' },
  { reason: 'common', password: 'Password2024!' },
  { reason: 'repetitive', password: 'ponmlkjihgfe' },
  { reason: 'contains_login', password: 'LOGIN and more words' },
  { reason: 'contains_email', password: 'mail: EMAIL here' },
];

describe('choosing a password from a set-password link', () => {
  it.each(cases)('refuses $reason with 422 weak_password, the reason and the field', async ({ reason, password }) => {
    const input = userInput();
    await fixture.adminClient.post('/api/v1/users', input);
    const [welcome] = await test.messagesTo(input.email);
    const token = linkToken(welcome!.text);
    const chosen = password.replace('LOGIN', input.login).replace('EMAIL', input.email.toUpperCase());
    const answer = await test.anonymous().post('/api/v1/auth/password-reset/complete', { token, password: chosen });
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(answer.body).toMatchObject({ code: 'weak_password', reason, errors: [{ field: 'password', code: reason, message: expect.any(String) }] });
    // Nothing was written: the link still works, with a good password.
    expect((await test.anonymous().post('/api/v1/auth/password-reset/complete', { token, password: TEST_PASSWORD })).status).toBe(204);
  });

  it('takes a long passphrase of any characters, with no composition rules', async () => {
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    const passphrase = 'les 3 petits chats 🐈 dorment';
    await signIn(test, fixture.code, input, passphrase);
  });
});

describe('changing my password', () => {
  it.each(cases)('refuses $reason on the newPassword field and keeps the current one', async ({ reason, password }) => {
    const input = userInput();
    await fixture.adminClient.post('/api/v1/users', input);
    const client = await signIn(test, fixture.code, input);
    const chosen = password.replace('LOGIN', input.login).replace('EMAIL', input.email);
    const answer = await client.put('/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: chosen });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'weak_password', reason, errors: [{ field: 'newPassword', code: reason }] });
    await signInWithPassword(test, fixture.code, input.login, TEST_PASSWORD);
  });
});
