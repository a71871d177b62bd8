import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSecretIn, configurationId, createLicence, newUser, signIn, startTestApp, type TestApp } from '../support/app.ts';

// An API account's secret goes to its holder and nowhere else: not in any answer to the admin or
// the operator, not in the audit trail, not in the server's log (at debug), not in the outbox once
// delivered. Its tokens do not reach the log either.

const lines: string[] = [];
let test: TestApp;
beforeAll(async () => {
  test = await startTestApp({ LOG_LEVEL: 'debug' }, { log: { write: (line: string) => void lines.push(line) } });
});
afterAll(() => test.close());

describe('an API account secret', () => {
  it('appears only in its delivery', async () => {
    const fixture = await createLicence(test);
    const holderInput = newUser(fixture, { configurationId: configurationId(fixture, 'transfer-box') });
    const holderId: string = (await fixture.adminClient.post('/api/v1/users', holderInput)).body.id;
    const holder = await signIn(test, fixture.code, holderInput);
    const answers: unknown[] = [];

    const viaBox = await fixture.adminClient.post('/api/v1/api-account-requests', { login: 'box-ws', holder: { userId: holderId } });
    answers.push(viaBox.body, (await test.operator.post(`/operator/v1/api-account-requests/${viaBox.body.id}/fulfil`, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: fixture.groups[0].id })).body);
    const item = (await holder.get('/api/v1/transfer-box')).body.items[0];
    const boxSecret = clientSecretIn(String((await holder.get(`/api/v1/transfer-box/${item.id}/content`)).body));

    const viaSms = await fixture.adminClient.post('/api/v1/api-account-requests', { login: 'sms-ws', holder: { firstName: 'P', lastName: 'Q', email: 'partner@example.com', mobile: '+33699887711' } });
    const fulfilled = await test.operator.post(`/operator/v1/api-account-requests/${viaSms.body.id}/fulfil`, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: fixture.groups[0].id });
    answers.push(viaSms.body, fulfilled.body);
    answers.push((await test.operator.post(`/operator/v1/licences/${fixture.code}/api-accounts/${fulfilled.body.apiAccount.id}/rotate-secret`)).body);
    const smsSecret = clientSecretIn((await test.messagesTo('+33699887711')).at(-1)!.text);

    const grant = await test.anonymous().request('POST', '/api/v1/auth/token', `grant_type=client_credentials&client_id=${fixture.code}/sms-ws&client_secret=${smsSecret}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(grant.status).toBe(200);
    const accessToken: string = grant.body.access_token;
    expect((await test.anonymous().withBearer(accessToken).post('/api/v1/authorize', { permission: 'reporting' })).body.allowed).toBe(true);

    answers.push((await fixture.adminClient.get('/api/v1/api-accounts')).body, (await fixture.adminClient.get('/api/v1/api-account-requests')).body);
    answers.push((await fixture.adminClient.get('/api/v1/audit-events?limit=500')).body, (await test.operator.get('/operator/v1/audit-events?limit=500')).body);
    const outbox = await test.database.handle.inScriptTransaction((exec) => exec('SELECT body FROM outbox'));

    const everywhere = [JSON.stringify(answers), lines.join('\n'), JSON.stringify(outbox.rows)].join('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [boxSecret, smsSecret, accessToken]) {
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(everywhere.includes(secret), 'a secret leaked').toBe(false);
    }
  });
});
