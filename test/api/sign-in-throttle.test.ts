import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, signIn, signInWithPassword, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// Failed sign-ins are throttled per account (licence and login as typed, known or not) and per
// client address, with lock-outs that grow and end by themselves, counted in the database.

let test: TestApp;
let fixture: LicenceFixture;
let now: Date;

beforeAll(async () => {
  test = await startTestApp();
  now = new Date();
  (test.app.context as { now: () => Date }).now = () => now;
  fixture = await createLicence(test);
});
afterAll(() => test.close());
// Each test starts with a clean address: the suite signs in from 127.0.0.1 only.
afterEach(async () => {
  await test.database.handle.inScriptTransaction((exec) => exec("DELETE FROM throttles WHERE scope = 'sign-in-client'"));
});

const later = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};
const attempt = (login: string, password: string, licence = fixture.code) => test.anonymous().post('/api/v1/auth/login', { licence, login, password });

/** The admin, signed in afresh: tests move the clock past any session's idle timeout. */
const admin = () => signInWithPassword(test, fixture.code, 'admin');

async function newUserWithPassword() {
  const input = newUser(fixture);
  expect((await (await admin()).post('/api/v1/users', input)).status).toBe(201);
  await signIn(test, fixture.code, input);
  return input;
}

describe('an account', () => {
  it('is locked for a minute after 5 failures, even for the right password, with Retry-After', async () => {
    const user = await newUserWithPassword();
    for (let i = 0; i < 5; i++) expect((await attempt(user.login, `wrong password ${i}`)).status).toBe(401);
    const locked = await attempt(user.login, TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('60');
    expect(locked.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(locked.body).toMatchObject({ code: 'too_many_attempts', status: 429, retryAfterSeconds: 60 });
  });

  it('gets no more guesses from a burst of parallel attempts', async () => {
    const user = await newUserWithPassword();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(user.login, `parallel guess ${i}`)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('unlocks by itself when the lock-out is over', async () => {
    const user = await newUserWithPassword();
    for (let i = 0; i < 5; i++) await attempt(user.login, 'wrong password!!');
    later(30);
    expect((await attempt(user.login, TEST_PASSWORD)).headers.get('retry-after')).toBe('30');
    later(30);
    expect((await attempt(user.login, TEST_PASSWORD)).status).toBe(200);
  });

  it('doubles the lock-out at each further failure, up to 15 minutes', async () => {
    const user = await newUserWithPassword();
    for (let i = 0; i < 5; i++) await attempt(user.login, 'wrong password!!');
    const expected = [120, 240, 480, 900, 900];
    for (const seconds of expected) {
      later(15 * 60);
      expect((await attempt(user.login, 'wrong password!!')).status).toBe(401);
      expect((await attempt(user.login, TEST_PASSWORD)).headers.get('retry-after')).toBe(String(seconds));
    }
  });

  it('forgets its failures after a successful sign-in', async () => {
    const user = await newUserWithPassword();
    for (let i = 0; i < 4; i++) await attempt(user.login, 'wrong password!!');
    expect((await attempt(user.login, TEST_PASSWORD)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await attempt(user.login, 'wrong password!!')).status).toBe(401);
    expect((await attempt(user.login, TEST_PASSWORD)).status).toBe(200);
  });

  it('forgets its failures after an hour of quiet', async () => {
    const user = await newUserWithPassword();
    for (let i = 0; i < 4; i++) await attempt(user.login, 'wrong password!!');
    later(3601);
    for (let i = 0; i < 4; i++) expect((await attempt(user.login, 'wrong password!!')).status).toBe(401);
    expect((await attempt(user.login, TEST_PASSWORD)).status).toBe(200);
  });

  it('of an unknown login is locked exactly like a known one, so a lock-out tells nothing', async () => {
    const known = await newUserWithPassword();
    const answers = { known: [] as unknown[], unknown: [] as unknown[] };
    for (let i = 0; i < 6; i++) {
      const a = await attempt(known.login, 'wrong password!!');
      const b = await attempt('nobody-by-that-name', 'wrong password!!');
      answers.known.push([a.status, a.headers.get('retry-after'), a.body]);
      answers.unknown.push([b.status, b.headers.get('retry-after'), b.body]);
    }
    expect(answers.unknown).toEqual(answers.known);
    expect(answers.known.at(-1)).toEqual([429, '60', expect.objectContaining({ code: 'too_many_attempts' })]);
    // The login is counted whatever its case, and for an unknown licence too.
    expect((await attempt(known.login.toUpperCase(), TEST_PASSWORD)).status).toBe(429);
    for (let i = 0; i < 5; i++) await attempt('admin', 'wrong password!!', 'no-such-licence');
    expect((await attempt('admin', TEST_PASSWORD, 'no-such-licence')).status).toBe(429);
  });

  it('is locked by wrong passwords typed in My account too', async () => {
    const input = newUser(fixture);
    await (await admin()).post('/api/v1/users', input);
    const client = await signIn(test, fixture.code, input);
    for (let i = 0; i < 5; i++) {
      expect((await client.put('/api/v1/me/password', { currentPassword: 'not my password', newPassword: 'a brand new passphrase' })).status).toBe(403);
    }
    const locked = await client.put('/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' });
    expect(locked.status).toBe(429);
    expect((await attempt(input.login, TEST_PASSWORD)).status).toBe(429);
  });

  it('answers an unknown login and a wrong password in about the same time', async () => {
    const user = await newUserWithPassword();
    const time = async (login: string) => {
      const started = performance.now();
      await attempt(login, 'wrong password!!');
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await time(user.login));
      unknown.push(await time(`nobody-${i}`));
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    // Both cost one argon2id verification. Skipping it for a missing account would make that answer
    // some twenty times faster; the wide margins keep a busy machine from failing the test.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.25);
    expect(median(unknown)).toBeLessThan(median(known) * 4);
  });
});

describe('a client address', () => {
  it('is locked after 50 failures, whichever accounts they were on; a sign-in from it does not clear them', async () => {
    const user = await newUserWithPassword();
    for (let i = 0; i < 49; i++) expect((await attempt(`guess-${i}`, 'wrong password!!')).status).toBe(401);
    expect((await attempt(user.login, TEST_PASSWORD)).status).toBe(200);
    expect((await attempt('guess-last', 'wrong password!!')).status).toBe(401);
    const locked = await attempt(user.login, TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('60');
    later(60);
    expect((await attempt(user.login, TEST_PASSWORD)).status).toBe(200);
  });
});

describe('the counters', () => {
  it('are rows in the database, keyed by hashes rather than the logins typed', async () => {
    await attempt('typed-in-the-wrong-box-Secret123', 'wrong password!!');
    const rows = (await test.database.handle.inScriptTransaction((exec) => exec('SELECT key, scope, failures FROM throttles'))).rows;
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toMatch(/typed-in-the-wrong-box|127\.0\.0\.1/);
  });
});
