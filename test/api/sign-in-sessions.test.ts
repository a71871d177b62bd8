import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, signInWithPassword, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// Console sessions end after 30 minutes without a request and 12 hours after sign-in, whatever
// happens in between; both are configurable. The server's clock is the test's.

let test: TestApp;
let fixture: LicenceFixture;
let now: Date;
const later = (minutes: number) => {
  now = new Date(now.getTime() + minutes * 60_000);
};

beforeAll(async () => {
  test = await startTestApp();
  now = new Date();
  (test.app.context as { now: () => Date }).now = () => now;
  fixture = await createLicence(test);
});
afterAll(() => test.close());

describe('a session', () => {
  it('ends after 30 minutes without a request', async () => {
    const client = await signInWithPassword(test, fixture.code, 'admin');
    later(29);
    expect((await client.get('/api/v1/me')).status).toBe(200);
    later(29); // 29 minutes after the last request, 58 after sign-in
    expect((await client.get('/api/v1/me')).status).toBe(200);
    later(31);
    const expired = await client.get('/api/v1/me');
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('unauthenticated');
  });

  it('ends 12 hours after sign-in even when used all along', async () => {
    const client = await signInWithPassword(test, fixture.code, 'admin');
    for (let elapsed = 0; elapsed < 12 * 60 - 20; elapsed += 20) {
      later(20);
      expect((await client.get('/api/v1/me')).status, `after ${elapsed + 20} minutes`).toBe(200);
    }
    later(20); // 12 h 0 min
    expect((await client.get('/api/v1/me')).status).toBe(401);
  });

  it('gets a new token at every sign-in, and the cookie lives as long as the session', async () => {
    const answers = await Promise.all(
      [1, 2].map(() => test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: 'admin', password: TEST_PASSWORD })),
    );
    const tokens = answers.map((a) => /gatehouse_session=([^;]+)/.exec(a.headers.get('set-cookie') ?? '')?.[1]);
    expect(tokens[0]).toBeTruthy();
    expect(tokens[0]).not.toBe(tokens[1]);
    const expires = /Expires=([^;]+)/i.exec(answers[0]!.headers.get('set-cookie') ?? '')?.[1];
    expect(Date.parse(expires!)).toBeCloseTo(now.getTime() + 12 * 3_600_000, -4);
  });
});

describe('session lifetimes', () => {
  it('follow GATEHOUSE_SESSION_IDLE_MINUTES and GATEHOUSE_SESSION_MAX_HOURS', async () => {
    const configured = await startTestApp({ GATEHOUSE_SESSION_IDLE_MINUTES: '5', GATEHOUSE_SESSION_MAX_HOURS: '1' });
    try {
      let clock = new Date();
      (configured.app.context as { now: () => Date }).now = () => clock;
      const licence = await createLicence(configured);
      const idle = await signInWithPassword(configured, licence.code, 'admin');
      const busy = await signInWithPassword(configured, licence.code, 'admin');
      for (let minute = 4; minute <= 56; minute += 4) {
        clock = new Date(clock.getTime() + 4 * 60_000);
        expect((await busy.get('/api/v1/me')).status).toBe(200);
      }
      expect((await idle.get('/api/v1/me')).status).toBe(401);
      clock = new Date(clock.getTime() + 4 * 60_000); // 60 minutes
      expect((await busy.get('/api/v1/me')).status).toBe(401);
    } finally {
      await configured.close();
    }
  });
});

describe('the session cookie', () => {
  it('is Secure when Gatehouse is served over https', async () => {
    const served = await startTestApp({ GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example', GATEHOUSE_DELIVERY: 'log' });
    try {
      const licence = await createLicence(served);
      const answer = await served.anonymous().post('/api/v1/auth/login', { licence: licence.code, login: 'admin', password: TEST_PASSWORD });
      expect(answer.headers.get('set-cookie')).toMatch(/; Secure/i);
    } finally {
      await served.close();
    }
  });
});
