import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// Another site's page must not act through a visitor's browser: no forms but the OAuth token
// endpoint's, and no state-changing request whose Origin or Sec-Fetch-Site says it came from elsewhere.

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp({ GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example', GATEHOUSE_DELIVERY: 'log' });
  fixture = await createLicence(test);
});
afterAll(() => test.close());

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('request bodies', () => {
  it('takes a form only at the OAuth token endpoint', async () => {
    const login = await test.anonymous().request('POST', '/api/v1/auth/login', `licence=${fixture.code}&login=admin&password=${encodeURIComponent(TEST_PASSWORD)}`, form);
    expect(login.status).toBe(415);
    expect(login.body.code).toBe('unsupported_media_type');
    expect(login.headers.get('set-cookie')).toBeNull();

    const token = await test.anonymous().request('POST', '/api/v1/auth/token', 'grant_type=client_credentials&client_id=nobody/none&client_secret=wrong', form);
    expect(token.status).toBe(401);
    expect(token.body.error).toBe('invalid_client');
  });

  it('refuses text/plain and forms on every other route, changing nothing', async () => {
    const user = newUser(fixture);
    const asText = await fixture.adminClient.request('POST', '/api/v1/users', JSON.stringify(user), { 'content-type': 'text/plain' });
    expect(asText.status).toBe(415);
    const asForm = await fixture.adminClient.request('POST', '/api/v1/users', new URLSearchParams(user).toString(), form);
    expect(asForm.status).toBe(415);
    expect(asForm.body.code).toBe('unsupported_media_type');
    expect((await fixture.adminClient.get(`/api/v1/users?q=${user.login}`)).body.items).toEqual([]);
  });
});

describe('cross-site requests', () => {
  const signInBody = () => ({ licence: fixture.code, login: 'admin', password: TEST_PASSWORD });

  it('refuses a sign-in posted from another site (login CSRF)', async () => {
    const byOrigin = await test.anonymous().request('POST', '/api/v1/auth/login', signInBody(), { origin: 'https://evil.example' });
    expect(byOrigin.status).toBe(403);
    expect(byOrigin.body.code).toBe('cross_site_request');
    expect(byOrigin.headers.get('set-cookie')).toBeNull();
    const byFetchMetadata = await test.anonymous().request('POST', '/api/v1/auth/login', signInBody(), { 'sec-fetch-site': 'cross-site' });
    expect(byFetchMetadata.status).toBe(403);
    expect(byFetchMetadata.body.code).toBe('cross_site_request');
    const nullOrigin = await test.anonymous().request('POST', '/api/v1/auth/login', signInBody(), { origin: 'null' });
    expect(nullOrigin.status).toBe(403);
  });

  it('refuses a change with the admin’s own cookie and CSRF token from another site, and changes nothing', async () => {
    const user = newUser(fixture);
    const answer = await fixture.adminClient.request('POST', '/api/v1/users', user, { origin: 'https://evil.example' });
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe('cross_site_request');
    expect((await fixture.adminClient.get(`/api/v1/users?q=${user.login}`)).body.items).toEqual([]);
  });

  it('lets the console’s own origin, its own host (the dev proxy) and callers without Origin through', async () => {
    expect((await test.anonymous().request('POST', '/api/v1/auth/login', signInBody(), { origin: 'https://gatehouse.example', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    const host = new URL(test.url).host;
    expect((await test.anonymous().request('POST', '/api/v1/auth/login', signInBody(), { origin: `http://${host}` })).status).toBe(200);
    expect((await test.anonymous().post('/api/v1/auth/login', signInBody())).status).toBe(200);
    expect((await fixture.adminClient.request('POST', '/api/v1/users', newUser(fixture), { 'sec-fetch-site': 'same-origin' })).status).toBe(201);
  });

  it('lets another site read nothing new but still load pages: safe methods pass', async () => {
    const answer = await test.anonymous().request('GET', '/healthz', undefined, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(answer.status).toBe(200);
  });
});
