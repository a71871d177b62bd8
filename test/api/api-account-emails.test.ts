import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurationId, createLicence, newUser, signIn, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

// The e-mail telling an admin that their API account exists names its rights configuration as the
// admin reads it: a standard configuration by its name in the admin's language.

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

async function requestAndFulfil(requester: { client: typeof fixture.adminClient; email: string }, login: string, configuration: string) {
  const filed = await requester.client.post('/api/v1/api-account-requests', { login, holder: { firstName: 'Omar', lastName: 'Benali', email: 'omar@partner.test', mobile: '+33698765432' } });
  expect(filed.status).toBe(201);
  const fulfilled = await test.operator.post(`/operator/v1/api-account-requests/${filed.body.id}/fulfil`, { configurationId: configurationId(fixture, configuration), entityGroupId: fixture.groups[0].id });
  expect(fulfilled.status).toBe(200);
  const messages = await test.messagesTo(requester.email);
  return messages[messages.length - 1]!;
}

describe('the API account e-mail', () => {
  it('names the configuration in English for an English reader', async () => {
    const message = await requestAndFulfil({ client: fixture.adminClient, email: fixture.admin.email }, 'crm-ws', 'reviewer');
    expect(message.text).toContain('Rights configuration: Reviewer.');
  });

  it('names it in French for a French reader', async () => {
    const input = newUser(fixture, { language: 'fr', configurationId: configurationId(fixture, 'admin') });
    const created = await test.operator.post(`/operator/v1/licences/${fixture.code}/users`, input);
    expect(created.status).toBe(201);
    const client = await signIn(test, fixture.code, input);
    const reviewer = await requestAndFulfil({ client, email: input.email }, 'erp-ws', 'reviewer');
    expect(reviewer.text).toContain('Configuration de droits : Réviseur.');
    const advanced = await requestAndFulfil({ client, email: input.email }, 'bi-ws', 'advanced-user');
    expect(advanced.text).toContain('Configuration de droits : Utilisateur avancé.');
  });
});
