import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../support/http.ts';
import { configurationId, createLicence, newUser, signIn, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

// The privilege ceiling beyond the users app: the lists the console offers say what the caller may
// grant (so it never offers what the server refuses), and API accounts stronger than the caller are
// out of their reach like users are.

let test: TestApp;
let fixture: LicenceFixture;
// An Admin whose group holds every entity, and a delegate with user management and reporting only.
let chief: HttpClient;
let delegate: { configurationId: string; client: HttpClient };
let mainGroup: string;
let bothGroup: string;
let secondGroup: string;

interface Listed {
  id: string;
  key?: string;
  name: string;
  kind?: string;
  assignable: boolean;
}

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test, { seatLimit: 50 });
  mainGroup = fixture.groups[0].id;
  const second = await test.operator.post(`/operator/v1/licences/${fixture.code}/entities`, { code: 'second', name: 'Second' });
  expect(second.status).toBe(201);
  secondGroup = second.body.groupId;
  const both = await test.operator.post(`/operator/v1/licences/${fixture.code}/entity-groups`, { name: 'Main and second', entityIds: [fixture.groups[0].entities[0].id, second.body.id] });
  expect(both.status).toBe(201);
  bothGroup = both.body.id;

  const chiefInput = newUser(fixture, { configurationId: configurationId(fixture, 'admin'), entityGroupId: bothGroup, defaultEntityId: second.body.id });
  expect((await test.operator.post(`/operator/v1/licences/${fixture.code}/users`, chiefInput)).status).toBe(201);
  chief = await signIn(test, fixture.code, chiefInput);

  const custom = await test.operator.post(`/operator/v1/licences/${fixture.code}/rights-configurations`, { name: 'User managers', permissions: ['licence-configuration', 'reporting'] });
  expect(custom.status).toBe(201);
  const input = newUser(fixture, { configurationId: custom.body.id });
  expect((await fixture.adminClient.post('/api/v1/users', input)).status).toBe(201);
  delegate = { configurationId: custom.body.id, client: await signIn(test, fixture.code, input) };
});
afterAll(() => test.close());

const assignableOf = (items: Listed[]) => Object.fromEntries(items.map((item) => [item.key ?? item.name, item.assignable]));

describe('the rights configurations a caller is offered', () => {
  it('are, for a delegate with user management, only those within their own configuration', async () => {
    const answer = await delegate.client.get('/api/v1/rights-configurations');
    expect(answer.status).toBe(200);
    const offered = assignableOf(answer.body);
    expect(offered).toMatchObject({ admin: false, 'advanced-user': false, reviewer: true });
    expect(answer.body.find((c: Listed) => c.id === delegate.configurationId)?.assignable).toBe(true);
  });

  it('are, for an Admin, every one but those only the vendor grants', async () => {
    const answer = await fixture.adminClient.get('/api/v1/rights-configurations');
    expect(answer.status).toBe(200);
    for (const configuration of answer.body as Listed[]) {
      expect(configuration.assignable, configuration.name).toBe(configuration.key !== 'admin' && configuration.kind !== 'internal');
    }
  });

  it('are exactly those the server accepts from the delegate', async () => {
    const offered = (await delegate.client.get('/api/v1/rights-configurations')).body as Listed[];
    for (const configuration of offered) {
      const answer = await delegate.client.post('/api/v1/users', newUser(fixture, { configurationId: configuration.id }));
      if (configuration.assignable) expect(answer.status, `${configuration.name}: ${JSON.stringify(answer.body)}`).toBe(201);
      else expect(answer.status, configuration.name).toBeGreaterThanOrEqual(403);
      if (!configuration.assignable && configuration.key !== 'admin' && configuration.kind !== 'internal') expect(answer.body.code, configuration.name).toBe('exceeds_own_rights');
    }
  });
});

describe('the entity groups a caller is offered', () => {
  it('are all listed, and marked assignable only within the caller’s own group', async () => {
    for (const client of [delegate.client, fixture.adminClient]) {
      const answer = await client.get('/api/v1/entity-groups');
      expect(answer.status).toBe(200);
      const byId = new Map((answer.body as Listed[]).map((group) => [group.id, group.assignable]));
      expect(byId.get(mainGroup)).toBe(true);
      // Not removed, since users may hold them; only marked.
      expect(byId.get(bothGroup)).toBe(false);
      expect(byId.get(secondGroup)).toBe(false);
    }
  });

  it('are all assignable for an Admin whose group holds every entity', async () => {
    const answer = await chief.get('/api/v1/entity-groups');
    expect(answer.status).toBe(200);
    expect((answer.body as Listed[]).map((group) => group.assignable)).toEqual(answer.body.map(() => true));
  });

  it('are exactly those the server accepts from the delegate', async () => {
    const offered = (await delegate.client.get('/api/v1/entity-groups')).body as (Listed & { entities: { id: string }[] })[];
    for (const group of offered) {
      const answer = await delegate.client.post('/api/v1/users', newUser(fixture, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: group.id, defaultEntityId: group.entities[0]!.id }));
      expect(answer.status, `${group.name}: ${JSON.stringify(answer.body)}`).toBe(group.assignable ? 201 : 403);
      if (!group.assignable) expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'entityGroupId', code: 'exceeds_own_rights' })]);
    }
  });

  it('are documented in the OpenAPI document', async () => {
    const document = (await test.anonymous().get('/openapi.json')).body;
    const schema = JSON.stringify(document.paths['/api/v1/entity-groups'].get.responses['200']);
    expect(schema).toContain('assignable');
  });
});

describe('API accounts beyond the caller’s reach', () => {
  /** An API account, asked for by the Admin and made by the operator with the given rights. */
  async function apiAccount(login: string, configurationKey: string, entityGroupId: string): Promise<string> {
    const requested = await fixture.adminClient.post('/api/v1/api-account-requests', { login, holder: { firstName: 'Partner', lastName: 'Service', email: `${login}@partner.example`, mobile: '+33611223344' } });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    const fulfilled = await test.operator.post(`/operator/v1/api-account-requests/${requested.body.id}/fulfil`, { configurationId: configurationId(fixture, configurationKey), entityGroupId });
    expect(fulfilled.status, JSON.stringify(fulfilled.body)).toBe(200);
    return fulfilled.body.apiAccount.id;
  }
  const accountsById = async () => new Map(((await fixture.adminClient.get('/api/v1/api-accounts?limit=100')).body.items as { id: string }[]).map((account) => [account.id, account]));
  /** The newest audit event: a refused act records none. */
  const newestEvent = async () => {
    const answer = await fixture.adminClient.get('/api/v1/audit-events?limit=1');
    expect(answer.status).toBe(200);
    return answer.body.items[0].id as string;
  };

  const expectRefused = (answer: { status: number; body: any }) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(403);
    expect(answer.body.code).toBe('exceeds_own_rights');
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'id', code: 'exceeds_own_rights' })]);
  };

  it('cannot be deactivated or activated by a weaker admin, and nothing changes', async () => {
    const stronger = await apiAccount('stronger-ws', 'advanced-user', mainGroup);
    const wider = await apiAccount('wider-ws', 'reviewer', bothGroup);
    const before = await accountsById();
    const event = await newestEvent();
    expectRefused(await delegate.client.post(`/api/v1/api-accounts/${stronger}/deactivate`));
    expectRefused(await delegate.client.post(`/api/v1/api-accounts/${wider}/deactivate`));
    expect(await accountsById()).toEqual(before);
    expect(await newestEvent()).toBe(event);

    // Deactivated by an Admin above it, it stays so whatever the delegate tries.
    expect((await chief.post(`/api/v1/api-accounts/${wider}/deactivate`)).status).toBe(200);
    const deactivated = await accountsById();
    expectRefused(await delegate.client.post(`/api/v1/api-accounts/${wider}/activate`));
    expect(await accountsById()).toEqual(deactivated);
    expect(deactivated.get(wider)).toMatchObject({ status: 'deactivated' });
  });

  it('are within reach of an Admin, and an account within the delegate’s reach is theirs to act on', async () => {
    const weaker = await apiAccount('weaker-ws', 'reviewer', mainGroup);
    const deactivated = await delegate.client.post(`/api/v1/api-accounts/${weaker}/deactivate`);
    expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(200);
    expect(deactivated.body.status).toBe('deactivated');
    const stronger = await apiAccount('strong-ws', 'advanced-user', mainGroup);
    expect((await fixture.adminClient.post(`/api/v1/api-accounts/${stronger}/deactivate`)).body.status).toBe('deactivated');
    expect((await fixture.adminClient.post(`/api/v1/api-accounts/${stronger}/activate`)).body.status).toBe('active');
  });
});
