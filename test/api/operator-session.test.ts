import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, unique, type TestApp } from '../support/app.ts';
import type { HttpClient } from '../support/http.ts';

// The operator console keeps no token in the page: it trades the operator token for a session in an
// HttpOnly, SameSite=Strict cookie, with the admin console's CSRF rule for unsafe requests.

let test: TestApp;
beforeAll(async () => {
  test = await startTestApp();
});
afterAll(() => test.close());

async function openSession(token: string): Promise<{ browser: HttpClient; setCookie: string; body: any; status: number }> {
  const browser = test.anonymous();
  const answer = await browser.request('POST', '/operator/v1/session', undefined, { authorization: `Bearer ${token}` });
  return { browser, setCookie: answer.headers.get('set-cookie') ?? '', body: answer.body, status: answer.status };
}

describe('operator session', () => {
  it('trades the token for an HttpOnly, SameSite=Strict cookie scoped to the operator API, stored hashed', async () => {
    const { browser, setCookie, body, status } = await openSession(test.operatorToken);
    expect(status).toBe(201);
    expect(body).toEqual({ name: 'bootstrap', csrfToken: expect.any(String) });
    expect(setCookie).toMatch(/^gatehouse_operator=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/operator\/v1/);
    expect(setCookie).not.toMatch(/Secure/i); // http://127.0.0.1 in tests

    const cookieToken = /^gatehouse_operator=([^;]+)/.exec(setCookie)?.[1] ?? '';
    const stored = await test.database.handle.db.execute(sql`SELECT token_hash FROM operator_sessions`);
    const hashes = (stored as unknown as { rows: { token_hash: string }[] }).rows.map((row) => row.token_hash);
    expect(hashes.length).toBeGreaterThan(0);
    expect(hashes).not.toContain(cookieToken);

    // The cookie alone opens the operator API; a reload gets the same CSRF token back.
    expect((await browser.get('/operator/v1/licences')).status).toBe(200);
    const session = await browser.get('/operator/v1/session');
    expect(session.body).toEqual({ name: 'bootstrap', csrfToken: body.csrfToken });
  });

  it('refuses an unsafe request without the CSRF token and changes nothing', async () => {
    const { browser, body } = await openSession(test.operatorToken);
    const name = unique('token');
    const refused = await browser.request('POST', '/operator/v1/operator-tokens', { name });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('csrf_failed');
    const wrong = await browser.request('POST', '/operator/v1/operator-tokens', { name }, { 'x-csrf-token': 'forged' });
    expect(wrong.body.code).toBe('csrf_failed');
    const listed = await test.operator.get('/operator/v1/operator-tokens');
    expect(listed.body.items.map((item: { name: string }) => item.name)).not.toContain(name);

    browser.csrfToken = body.csrfToken;
    expect((await browser.post('/operator/v1/operator-tokens', { name })).status).toBe(201);
  });

  it('refuses a wrong token, and ends with its operator token when that one is revoked', async () => {
    const wrong = await openSession('x'.repeat(40));
    expect(wrong.status).toBe(401);
    expect(wrong.setCookie).toBe('');

    const created = await test.operator.post('/operator/v1/operator-tokens', { name: unique('support-desk') });
    const { browser, body } = await openSession(created.body.token);
    expect(body.name).toBe(created.body.name);
    expect((await browser.get('/operator/v1/licences')).status).toBe(200);
    expect((await test.operator.post(`/operator/v1/operator-tokens/${created.body.id}/revoke`)).status).toBe(200);
    const after = await browser.get('/operator/v1/licences');
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('unauthenticated');
  });

  it('signs out: the cookie is cleared and the session no longer opens anything', async () => {
    const { browser, body } = await openSession(test.operatorToken);
    const stolen = browser.cloneCookies();
    browser.csrfToken = body.csrfToken;
    const ended = await browser.request('DELETE', '/operator/v1/session');
    expect(ended.status).toBe(204);
    expect(ended.headers.get('set-cookie') ?? '').toMatch(/gatehouse_operator=;/);
    expect((await stolen.get('/operator/v1/licences')).status).toBe(401);
  });
});

describe('operator session behind https', () => {
  it('marks the cookie Secure', async () => {
    const secure = await startTestApp({ GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example', GATEHOUSE_DELIVERY: 'log' });
    try {
      const answer = await secure.anonymous().request('POST', '/operator/v1/session', undefined, { authorization: `Bearer ${secure.operatorToken}` });
      expect(answer.status).toBe(201);
      expect(answer.headers.get('set-cookie') ?? '').toMatch(/Secure/i);
    } finally {
      await secure.close();
    }
  });
});
