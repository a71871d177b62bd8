import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

const visit = { ticket: 'SUP-1234', description: 'Customer cannot find their campaign', operator: 'Sam from support' };

describe('support visits', () => {
  it('open a session of the support account, logged with the ticket for the licence to read', async () => {
    const opened = await test.operator.post(`/operator/v1/licences/${fixture.code}/support-sessions`, visit);
    expect(opened.status).toBe(201);
    const support = test.anonymous().withBearer(opened.body.sessionToken);
    const me = await support.get('/api/v1/me');
    expect(me.body).toMatchObject({ login: 'support', configuration: { name: 'Support', kind: 'internal' } });

    const visits = await fixture.adminClient.get('/api/v1/licence-accesses/support');
    expect(visits.body.items[0]).toMatchObject({ ticket: 'SUP-1234', description: visit.description, operator: 'Sam from support' });
    expect(Date.parse(visits.body.items[0].at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('can be carried in the console’s HttpOnly cookie, and only support visits can', async () => {
    const opened = await test.operator.post(`/operator/v1/licences/${fixture.code}/support-sessions`, visit);
    const browser = test.anonymous();
    const carried = await browser.request('POST', '/api/v1/auth/session/cookie', undefined, { authorization: `Bearer ${opened.body.sessionToken}` });
    expect(carried.status).toBe(200);
    expect(carried.headers.get('set-cookie')).toMatch(/^gatehouse_session=[^;]+;.*HttpOnly/i);
    expect((await browser.get('/api/v1/me')).body.login).toBe('support');
    const session = await browser.get('/api/v1/auth/session');
    expect(session.body.csrfToken).toBe(carried.body.csrfToken);

    const adminLogin = await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: 'admin', password: 'correct horse battery staple' });
    const token = /gatehouse_session=([^;]+)/.exec(adminLogin.headers.get('set-cookie') ?? '')![1]!;
    const refused = await test.anonymous().request('POST', '/api/v1/auth/session/cookie', undefined, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(403);
  });

  it('record what support changes as the visit’s, with its ticket', async () => {
    const opened = await test.operator.post(`/operator/v1/licences/${fixture.code}/support-sessions`, { ...visit, ticket: 'SUP-77' });
    const support = test.anonymous().withBearer(opened.body.sessionToken);
    const created = await support.post('/api/v1/users', newUser(fixture));
    expect(created.status).toBe(201);
    const trail = await fixture.adminClient.get(`/api/v1/audit-events?target=${created.body.id}`);
    expect(trail.body.items[0]).toMatchObject({ action: 'user.create', actor: { kind: 'support', name: 'Sam from support (ticket SUP-77)' } });
  });

  it('are refused while the licence has deactivated its support account, and its sessions end', async () => {
    const opened = await test.operator.post(`/operator/v1/licences/${fixture.code}/support-sessions`, visit);
    const support = test.anonymous().withBearer(opened.body.sessionToken);
    const account = (await fixture.adminClient.get('/api/v1/users?q=support')).body.items.find((u: { login: string }) => u.login === 'support');
    expect((await fixture.adminClient.post(`/api/v1/users/${account.id}/deactivate`, { currentPassword: TEST_PASSWORD })).status).toBe(200);
    expect((await support.get('/api/v1/me')).status).toBe(401);
    const blocked = await test.operator.post(`/operator/v1/licences/${fixture.code}/support-sessions`, visit);
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('support_access_blocked');
    await fixture.adminClient.post(`/api/v1/users/${account.id}/activate`);
    expect((await test.operator.post(`/operator/v1/licences/${fixture.code}/support-sessions`, visit)).status).toBe(201);
  });

  it('need a ticket, a description and the operator, and an operator token', async () => {
    const missing = await test.operator.post(`/operator/v1/licences/${fixture.code}/support-sessions`, { ticket: '', description: 'x' });
    expect(missing.status).toBe(422);
    expect(missing.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['operator', 'ticket']);
    expect((await fixture.adminClient.post(`/operator/v1/licences/${fixture.code}/support-sessions`, visit)).status).toBe(401);
  });
});

describe('console sign-ins', () => {
  it('are listed newest first with login, IP and user agent, filtered by login and date', async () => {
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    const { signIn } = await import('../support/app.ts');
    await signIn(test, fixture.code, input);
    const all = await fixture.adminClient.get('/api/v1/licence-accesses/users');
    expect(all.body.items[0]).toMatchObject({ login: input.login, ip: '127.0.0.1' });
    const filtered = await fixture.adminClient.get(`/api/v1/licence-accesses/users?login=${input.login.toUpperCase()}`);
    expect(filtered.body.items).toHaveLength(1);
    const future = await fixture.adminClient.get(`/api/v1/licence-accesses/users?from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body.items).toEqual([]);
    const me = await fixture.adminClient.get('/api/v1/me');
    expect(me.body.lastLoginAt).not.toBeNull();
    const backwards = await fixture.adminClient.get(`/api/v1/licence-accesses/users?from=${new Date().toISOString()}&to=${new Date(Date.now() - 1000).toISOString()}`);
    expect(backwards.body.errors[0]).toMatchObject({ field: 'to', code: 'before_from' });
  });
});
