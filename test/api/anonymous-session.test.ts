import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, signInWithPassword, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

// A signed-out console asks GET /auth/session on every page: "no session" is an answer, not an error
// (a 401 there is logged by the browser on every signed-out page).

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

describe('GET /api/v1/auth/session', () => {
  it('answers 200 { status: "anonymous" } without a session, and with a session that has ended', async () => {
    const anonymous = await test.anonymous().get('/api/v1/auth/session');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: 'anonymous' });
    expect(anonymous.headers.get('cache-control')).toContain('no-store');

    const client = await signInWithPassword(test, fixture.code, 'admin');
    const stale = client.cloneCookies();
    expect((await client.post('/api/v1/auth/logout')).status).toBeLessThan(300);
    const ended = await stale.get('/api/v1/auth/session');
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ status: 'anonymous' });
  });

  it('answers the CSRF token and the account with status "ok" when signed in', async () => {
    const client = await signInWithPassword(test, fixture.code, 'admin');
    const session = await client.get('/api/v1/auth/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ status: 'ok', csrfToken: client.csrfToken, user: { login: 'admin' } });
  });

  it('still refuses other routes without a session with 401', async () => {
    const me = await test.anonymous().get('/api/v1/me');
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('unauthenticated');
  });
});
