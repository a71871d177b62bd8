import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSecretIn, configurationId, createLicence, newUser, signIn, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';
import type { HttpClient } from '../support/http.ts';

let test: TestApp;
let fixture: LicenceFixture;
let holder: { login: string; email: string; id: string; client: HttpClient };

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
  const input = newUser(fixture, { configurationId: configurationId(fixture, 'transfer-box') });
  const created = await fixture.adminClient.post('/api/v1/users', input);
  holder = { ...input, id: created.body.id, client: await signIn(test, fixture.code, input) };
});
afterAll(() => test.close());

/** The holder with a console account is named by user id; a person outside the console by names, e-mail and mobile. */
const consoleHolder = () => ({ userId: holder.id });
const outsideHolder = (fields: { email: string; mobile?: string }) => ({ firstName: 'Grace', lastName: 'Hopper', ...fields });

async function requestAccount(login: string, holderFields: Record<string, unknown> = consoleHolder()) {
  const answer = await fixture.adminClient.post('/api/v1/api-account-requests', { login, holder: holderFields });
  expect(answer.status).toBe(201);
  return answer.body;
}

async function fulfil(requestId: string) {
  const answer = await test.operator.post(`/operator/v1/api-account-requests/${requestId}/fulfil`, {
    configurationId: configurationId(fixture, 'reviewer'),
    entityGroupId: fixture.groups[0].id,
  });
  expect(answer.status).toBe(200);
  return answer.body;
}

/** The holder opens the newest Transfer Box item and reads the secret out of it. */
async function secretFromTransferBox(): Promise<string> {
  const inbox = await holder.client.get('/api/v1/transfer-box');
  const item = inbox.body.items[0];
  const content = await holder.client.get(`/api/v1/transfer-box/${item.id}/content`);
  return clientSecretIn(String(content.body));
}

const grant = (body: string, headers: Record<string, string> = {}) =>
  test.anonymous().request('POST', '/api/v1/auth/token', body, { 'content-type': 'application/x-www-form-urlencoded', ...headers });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('requesting an API account', () => {
  it('files a pending request, warning when the login does not say it is a web service', async () => {
    const plain = await requestAccount('reporting-bot');
    expect(plain).toMatchObject({ status: 'pending', warnings: ['login_without_ws'], login: 'reporting-bot', requestedBy: 'admin' });
    const ws = await requestAccount('crm-ws');
    expect(ws.warnings).toEqual([]);
    const listed = await fixture.adminClient.get('/api/v1/api-account-requests');
    expect(listed.body.items.map((r: { login: string }) => r.login)).toEqual(expect.arrayContaining(['reporting-bot', 'crm-ws']));
    const pending = await test.operator.get('/operator/v1/api-account-requests?status=pending');
    expect(pending.body.items.find((r: { id: string }) => r.id === ws.id)).toMatchObject({ licence: fixture.code, status: 'pending' });
  });

  it('needs the holder’s mobile when the holder has no console account, and a free login', async () => {
    const noMobile = await fixture.adminClient.post('/api/v1/api-account-requests', { login: 'export-ws', holder: outsideHolder({ email: 'outsider@example.com' }) });
    expect(noMobile.status).toBe(422);
    expect(noMobile.body.errors).toEqual([expect.objectContaining({ field: 'holder.mobile', code: 'required_for_sms_delivery' })]);
    const taken = await fixture.adminClient.post('/api/v1/api-account-requests', { login: 'CRM-WS', holder: consoleHolder() });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('login_taken');
    const bad = await fixture.adminClient.post('/api/v1/api-account-requests', { login: 'x y', holder: { firstName: '' } });
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['login', 'holder.firstName', 'holder.lastName', 'holder.email']));
  });
});

describe('fulfilling a request', () => {
  it('delivers the secret into the holder’s Transfer Box only, and tells the requesting admin', async () => {
    const request = await requestAccount('delivery-ws');
    const fulfilled = await fulfil(request.id);
    expect(fulfilled).toMatchObject({ delivery: 'transfer-box', apiAccount: { login: 'delivery-ws', status: 'active', configuration: { name: 'Reviewer' } } });
    expect(JSON.stringify(fulfilled)).not.toMatch(/secret/i);
    const secret = await secretFromTransferBox();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const mails = await test.messagesTo(fixture.admin.email);
    expect(mails.at(-1)?.subject).toContain('delivery-ws');
    expect(mails.map((m) => m.text).join()).not.toContain(secret);
    const again = await test.operator.post(`/operator/v1/api-account-requests/${request.id}/fulfil`, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: fixture.groups[0].id });
    expect(again.status).toBe(409);
  });

  it('sends the secret by SMS when the holder has no console account', async () => {
    const request = await requestAccount('sms-ws', outsideHolder({ email: 'partner@example.com', mobile: '+33699887766' }));
    expect((await fulfil(request.id)).delivery).toBe('sms');
    const [sms] = await test.messagesTo('+33699887766');
    expect(sms?.text).toMatch(new RegExp(`${fixture.code}/sms-ws, secret: \\S{32,}`));
  });

  it('rejects with a reason, and tells the requesting admin', async () => {
    const request = await requestAccount('unwanted-ws');
    const rejected = await test.operator.post(`/operator/v1/api-account-requests/${request.id}/reject`, { reason: 'Use the existing CRM account' });
    expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'Use the existing CRM account' });
    expect((await test.messagesTo(fixture.admin.email)).at(-1)?.text).toContain('Use the existing CRM account');
  });
});

describe('client credentials', () => {
  let secret: string;
  let accountId: string;
  beforeAll(async () => {
    const fulfilled = await fulfil((await requestAccount('token-ws')).id);
    accountId = fulfilled.apiAccount.id;
    secret = await secretFromTransferBox();
  });

  it('trades the secret for an hour-long bearer token, by HTTP Basic or form fields', async () => {
    const byBasic = await grant('grant_type=client_credentials', { authorization: basic(`${fixture.code}/token-ws`, secret) });
    expect(byBasic.status).toBe(200);
    expect(byBasic.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, access_token: expect.any(String) });
    expect(byBasic.headers.get('cache-control')).toBe('no-store');
    const byForm = await grant(`grant_type=client_credentials&client_id=${encodeURIComponent(`${fixture.code}/token-ws`)}&client_secret=${encodeURIComponent(secret)}`);
    expect(byForm.status).toBe(200);

    const api = test.anonymous().withBearer(byForm.body.access_token);
    expect((await api.post('/api/v1/authorize', { permission: 'reporting.dashboards.view' })).body).toEqual({ allowed: true, reason: 'ok' });
    expect((await api.post('/api/v1/authorize', { permission: 'forms.forms.view' })).body.reason).toBe('not_in_configuration');
    expect((await api.get('/api/v1/me')).status).toBe(403);
  });

  it('answers RFC 6749 errors', async () => {
    const wrong = await grant('grant_type=client_credentials', { authorization: basic(`${fixture.code}/token-ws`, 'not the secret') });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(wrong.headers.get('www-authenticate')).toContain('Basic');
    expect((await grant(`grant_type=client_credentials&client_id=nobody/none&client_secret=x`)).body.error).toBe('invalid_client');
    expect((await grant('grant_type=password')).body.error).toBe('unsupported_grant_type');
    expect((await grant('')).body.error).toBe('invalid_request');
  });

  it('stops every token of a deactivated account at once', async () => {
    const token = (await grant('grant_type=client_credentials', { authorization: basic(`${fixture.code}/token-ws`, secret) })).body.access_token;
    const api = test.anonymous().withBearer(token);
    expect((await api.post('/api/v1/authorize', { permission: 'reporting' })).status).toBe(200);
    const deactivated = await fixture.adminClient.post(`/api/v1/api-accounts/${accountId}/deactivate`);
    expect(deactivated.body.status).toBe('deactivated');
    expect((await api.post('/api/v1/authorize', { permission: 'reporting' })).status).toBe(401);
    expect((await grant('grant_type=client_credentials', { authorization: basic(`${fixture.code}/token-ws`, secret) })).status).toBe(401);
    await fixture.adminClient.post(`/api/v1/api-accounts/${accountId}/activate`);
    expect((await grant('grant_type=client_credentials', { authorization: basic(`${fixture.code}/token-ws`, secret) })).status).toBe(200);
  });

  it('rotates the secret: delivered the same way, the old one stops working', async () => {
    const rotated = await test.operator.post(`/operator/v1/licences/${fixture.code}/api-accounts/${accountId}/rotate-secret`);
    expect(rotated.body.delivery).toBe('transfer-box');
    const fresh = await secretFromTransferBox();
    expect(fresh).not.toBe(secret);
    expect((await grant('grant_type=client_credentials', { authorization: basic(`${fixture.code}/token-ws`, secret) })).status).toBe(401);
    expect((await grant('grant_type=client_credentials', { authorization: basic(`${fixture.code}/token-ws`, fresh) })).status).toBe(200);
    secret = fresh;
  });

  it('lists the licence’s accounts for admins, and records it all in the audit trail', async () => {
    const accounts = await fixture.adminClient.get('/api/v1/api-accounts');
    expect(accounts.body.items.map((a: { login: string }) => a.login)).toEqual(expect.arrayContaining(['delivery-ws', 'token-ws']));
    const trail = await fixture.adminClient.get(`/api/v1/audit-events?target=${accountId}&limit=50`);
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['api_account.create', 'api_account.deactivate', 'api_account.activate', 'api_account.rotate_secret']),
    );
    expect(JSON.stringify(trail.body)).not.toContain(secret);
  });
});

describe('the tenant fence', () => {
  it("answers 404 for another licence's API accounts", async () => {
    const other = await createLicence(test);
    const accounts = await fixture.adminClient.get('/api/v1/api-accounts');
    const id = accounts.body.items[0].id;
    expect((await other.adminClient.post(`/api/v1/api-accounts/${id}/deactivate`)).status).toBe(404);
    expect((await other.adminClient.get('/api/v1/api-accounts')).body.items).toEqual([]);
  });
});
