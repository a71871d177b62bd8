import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../src/core/totp.ts';
import { linkToken, newUser, smsCode, startTestApp, TEST_PASSWORD, unique, type LicenceFixture, type TestApp } from '../support/app.ts';
import type { HttpAnswer, HttpClient } from '../support/http.ts';

// A whole life of an account, with the server logging at debug into the test's hands: no password,
// link token, session or CSRF token, challenge, SMS code or authenticator secret may appear in it.
// Messages go to the test's capturing transports, as a real SMTP server or SMS gateway would take them.

const lines: string[] = [];
let test: TestApp;
const secrets = new Set<string>();
const keep = (...values: (string | null | undefined)[]) => values.forEach((value) => value && secrets.add(value));

beforeAll(async () => {
  test = await startTestApp({ LOG_LEVEL: 'debug' }, { log: { write: (line: string) => void lines.push(line) } });
  // Moved by hand, so the TOTP steps of the scenario are known.
  let now = new Date(Math.ceil(Date.now() / 30_000) * 30_000 + 1_000);
  (test.app.context as { now: () => Date }).now = () => {
    now = new Date(now.getTime() + 1_000);
    return now;
  };
});
afterAll(() => test.close());

/** Keeps the session token and CSRF token a sign-in answered. */
function keepSession(answer: HttpAnswer) {
  keep(/gatehouse_session=([^;]+)/.exec(answer.headers.get('set-cookie') ?? '')?.[1], answer.body?.csrfToken, answer.body?.challenge);
}

async function login(client: HttpClient, licence: string, loginName: string, password: string) {
  keep(password);
  const answer = await client.post('/api/v1/auth/login', { licence, login: loginName, password });
  keepSession(answer);
  return answer;
}

async function setPasswordFromNewestLink(email: string, password: string) {
  const token = linkToken((await test.messagesTo(email)).at(-1)!.text);
  keep(token, password);
  expect((await test.anonymous().post('/api/v1/auth/password-reset/complete', { token, password })).status).toBe(204);
}

describe('the log of a whole account life', () => {
  it('holds no password, token, code or secret', async () => {
    const code = unique('lic').toLowerCase();
    const created = await test.operator.post('/operator/v1/licences', {
      code,
      name: 'Logged licence',
      seatLimit: 10,
      admin: { login: 'admin', firstName: 'Ada', lastName: 'Admin', email: `admin@${code}.example`, language: 'en', mobile: '+33612345678' },
    });
    expect(created.status).toBe(201);
    await setPasswordFromNewestLink(`admin@${code}.example`, 'the first long passphrase');
    const admin = test.anonymous();
    admin.csrfToken = (await login(admin, code, 'admin', 'the first long passphrase')).body.csrfToken;

    // A user is created and set up through the welcome link.
    const fixture: LicenceFixture = {
      code,
      licence: created.body.licence,
      admin: created.body.admin,
      adminClient: admin,
      configurations: (await admin.get('/api/v1/rights-configurations')).body,
      groups: (await admin.get('/api/v1/entity-groups')).body,
    };
    const mobile = '+33611223344';
    const input = newUser(fixture, { mobile, language: 'fr' });
    expect((await admin.post('/api/v1/users', input)).status).toBe(201);
    await setPasswordFromNewestLink(input.email, TEST_PASSWORD);

    // Two-factor by SMS, with wrong passwords and a wrong code on the way.
    expect((await admin.patch('/api/v1/licence', { twoFactor: true })).status).toBe(200);
    for (const wrong of ['wrong guess number one', 'Wrong Guess Number Two']) expect((await login(test.anonymous(), code, input.login, wrong)).status).toBe(401);
    const browser = test.anonymous();
    const challenge = (await login(browser, code, input.login, TEST_PASSWORD)).body.challenge;
    const sms = smsCode((await test.messagesTo(mobile)).at(-1)!.text);
    keep(sms);
    expect((await browser.post('/api/v1/auth/second-factor', { challenge, code: sms === '999999' ? '000000' : String(Number(sms) + 1).padStart(6, '0') })).status).toBe(401);
    expect((await browser.post('/api/v1/auth/second-factor/resend', { challenge })).status).toBe(429);
    const finished = await browser.post('/api/v1/auth/second-factor', { challenge, code: sms });
    expect(finished.status).toBe(200);
    keepSession(finished);
    browser.csrfToken = finished.body.csrfToken;

    // An authenticator app, enrolled and used.
    const started = await browser.post('/api/v1/me/totp', { password: TEST_PASSWORD });
    keep(started.body.secret, started.body.otpauthUrl);
    const secret = base32Decode(started.body.secret);
    const confirmCode = totp(secret, test.app.context.now());
    keep(confirmCode);
    expect((await browser.post('/api/v1/me/totp/confirm', { code: confirmCode })).status).toBe(204);

    // Forgotten password, reset by link; then changed from My account.
    expect((await test.anonymous().post('/api/v1/auth/password-reset', { licence: code, login: input.login })).status).toBe(202);
    await setPasswordFromNewestLink(input.email, 'my second long passphrase');
    const again = test.anonymous();
    const second = await login(again, code, input.login, 'my second long passphrase');
    expect(second.body.methods).toEqual(['totp', 'sms']);
    const later = new Date(test.app.context.now().getTime() + 30_000);
    (test.app.context as { now: () => Date }).now = () => later;
    const appCode = totp(secret, later);
    keep(appCode);
    const signedIn = await again.post('/api/v1/auth/second-factor', { challenge: second.body.challenge, code: appCode });
    expect(signedIn.status).toBe(200);
    keepSession(signedIn);
    again.csrfToken = signedIn.body.csrfToken;
    keep('a third long passphrase');
    expect((await again.put('/api/v1/me/password', { currentPassword: 'my second long passphrase', newPassword: 'a third long passphrase' })).status).toBe(204);
    expect((await again.request('DELETE', '/api/v1/me/totp', { password: 'a third long passphrase' })).status).toBe(204);
    expect((await again.post('/api/v1/auth/logout')).status).toBe(204);
    await test.app.outbox.deliverDue();

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(20); // the debug log did record the requests
    expect(log).toMatch(/"route":"\/api\/v1\/auth\/second-factor"/);
    const leaked = [...secrets].filter((secret) => (/^\d{6}$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(log) : log.includes(secret)));
    expect(leaked).toEqual([]);
    expect(secrets.size).toBeGreaterThan(20);
  });
});
