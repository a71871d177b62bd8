import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorTokens } from '../../src/platform/db/schema.ts';
import { hashToken } from '../../src/platform/crypto.ts';
import { createLicence, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

// Least privilege for services: an operator token may hold only decisions:read or users:read, and then
// reaches only the routes declaring that scope. Tokens made before scopes, and the bootstrap token, keep
// every right ('operator').

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

const newLicence = (code: string) => ({ code, name: code, seatLimit: 5, admin: { login: 'admin', firstName: 'Ada', lastName: 'Admin', email: `admin@${code}.example`, language: 'en' } });
const oneCheck = () => ({ checks: [{ licence: fixture.code, login: 'admin', permission: 'licence-configuration.users.view' }] });

async function tokenWith(scopes?: string[]) {
  const created = await test.operator.post('/operator/v1/operator-tokens', { name: `token ${scopes?.join(' ') ?? 'default'}`, ...(scopes ? { scopes } : {}) });
  expect(created.status).toBe(201);
  return { ...created.body, client: test.anonymous().withBearer(created.body.token) };
}

describe('operator token scopes', () => {
  it('lets a decisions:read token ask for decisions and nothing else', async () => {
    const decisions = await tokenWith(['decisions:read']);
    expect(decisions.scopes).toEqual(['decisions:read']);
    const answer = await decisions.client.post('/operator/v1/authorize', oneCheck());
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([{ allowed: true, reason: 'ok' }]);

    const refused = await decisions.client.post('/operator/v1/licences', newLicence('scoped-refused'));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'insufficient_scope', scope: 'operator', detail: expect.stringContaining('operator') });
    expect((await test.operator.get('/operator/v1/licences/scoped-refused')).status).toBe(404);
    // Reading users is another scope.
    const users = await decisions.client.get(`/operator/v1/licences/${fixture.code}/users`);
    expect(users.status).toBe(403);
    expect(users.body).toMatchObject({ code: 'insufficient_scope', scope: 'users:read' });
    // Nor may it trade itself for an operator console session.
    expect((await decisions.client.post('/operator/v1/session')).body.code).toBe('insufficient_scope');
  });

  it('lets a users:read token read users and not ask for decisions', async () => {
    const reader = await tokenWith(['users:read']);
    const users = await reader.client.get(`/operator/v1/licences/${fixture.code}/users`);
    expect(users.status).toBe(200);
    expect(users.body.items.map((user: { login: string }) => user.login)).toContain('admin');
    const decisions = await reader.client.post('/operator/v1/authorize', oneCheck());
    expect(decisions.status).toBe(403);
    expect(decisions.body).toMatchObject({ code: 'insufficient_scope', scope: 'decisions:read' });
    expect((await reader.client.post(`/operator/v1/licences/${fixture.code}/users`, {})).body.code).toBe('insufficient_scope');
  });

  it('gives a new token every right by default, and lists each token’s scopes', async () => {
    const full = await tokenWith();
    expect(full.scopes).toEqual(['operator']);
    expect((await full.client.post('/operator/v1/authorize', oneCheck())).status).toBe(200);
    expect((await full.client.post('/operator/v1/licences', newLicence('scoped-default'))).status).toBe(201);
    const both = await tokenWith(['decisions:read', 'users:read']);
    const listed = (await test.operator.get('/operator/v1/operator-tokens')).body.items;
    expect(listed.find((token: { id: string }) => token.id === full.id).scopes).toEqual(['operator']);
    expect(listed.find((token: { id: string }) => token.id === both.id).scopes).toEqual(['decisions:read', 'users:read']);
    expect((await test.operator.get('/operator/v1/audit-events?target=' + both.id)).body.items[0]).toMatchObject({ action: 'operator-token.create', after: { scopes: ['decisions:read', 'users:read'] } });
  });

  it('keeps every right for a token made before scopes existed', async () => {
    // As migration 0008 leaves an existing row: the column's default.
    const token = 'gho_an-older-token-from-before-scopes-existed-0123';
    await test.app.context.db.insert(operatorTokens).values({ id: '00000000-0000-4000-8000-000000000008', name: 'older token', tokenHash: hashToken(token) });
    const older = test.anonymous().withBearer(token);
    expect((await older.post('/operator/v1/authorize', oneCheck())).status).toBe(200);
    expect((await older.post('/operator/v1/licences', newLicence('scoped-older'))).status).toBe(201);
  });

  it('keeps every right for the bootstrap token and its console session', async () => {
    expect((await test.operator.post('/operator/v1/authorize', oneCheck())).status).toBe(200);
    expect((await test.operator.post('/operator/v1/licences', newLicence('scoped-bootstrap'))).status).toBe(201);
    // The console's cookie session, opened with the bootstrap token, holds every right too.
    const browser = test.anonymous();
    const opened = await browser.request('POST', '/operator/v1/session', undefined, { authorization: `Bearer ${test.operatorToken}` });
    expect(opened.status).toBe(201);
    browser.csrfToken = opened.body.csrfToken;
    expect((await browser.post('/operator/v1/authorize', oneCheck())).status).toBe(200);
    expect((await browser.post('/operator/v1/licences', newLicence('scoped-session'))).status).toBe(201);
  });

  it('refuses unknown or empty scopes, naming the field', async () => {
    const unknown = await test.operator.post('/operator/v1/operator-tokens', { name: 'x', scopes: ['licences:write'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0]).toMatchObject({ field: 'scopes.0', code: 'invalid_value' });
    const empty = await test.operator.post('/operator/v1/operator-tokens', { name: 'x', scopes: [] });
    expect(empty.status).toBe(422);
    expect(empty.body.errors[0]).toMatchObject({ field: 'scopes' });
  });
});
