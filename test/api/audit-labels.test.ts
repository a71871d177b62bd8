import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurationId, createLicence, newUser, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

// The audit trail is read by people: each page names the ids it mentions (users, configurations,
// entity groups, entities), within the licence only, and a support visit's operator and ticket apart.

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

describe('the audit trail’s labels', () => {
  it('names the configurations, groups, entities and users an event mentions', async () => {
    const input = newUser(fixture, { firstName: 'Grace', lastName: 'Hopper' });
    const created = await fixture.adminClient.post('/api/v1/users', input);
    await fixture.adminClient.patch(`/api/v1/users/${created.body.id}`, { configurationId: configurationId(fixture, 'reviewer') });

    const page = (await fixture.adminClient.get(`/api/v1/audit-events?target=${created.body.id}`)).body;
    const update = page.items.find((event: { action: string }) => event.action === 'user.update');
    expect(update.before.configurationId).toBe(configurationId(fixture, 'user'));
    expect(page.labels[configurationId(fixture, 'user')]).toEqual({ kind: 'rights_configuration', name: 'User', key: 'user' });
    expect(page.labels[configurationId(fixture, 'reviewer')]).toEqual({ kind: 'rights_configuration', name: 'Reviewer', key: 'reviewer' });
    const creation = page.items.find((event: { action: string }) => event.action === 'user.create');
    expect(page.labels[creation.after.entityGroupId]).toMatchObject({ kind: 'entity_group', name: fixture.groups[0].name });
    expect(page.labels[creation.after.defaultEntityId]).toMatchObject({ kind: 'entity' });
    // Who acted and on whom, by name.
    expect(page.labels[fixture.admin.id]).toEqual({ kind: 'user', name: 'Ada Admin', detail: 'admin' });
    expect(page.labels[created.body.id]).toEqual({ kind: 'user', name: 'Grace Hopper', detail: input.login });
    expect(update.actor).toMatchObject({ kind: 'user', name: 'admin', operator: null, ticket: null });
  });

  it('leaves a deleted user out of the labels, so the reader can say it is gone', async () => {
    const created = await fixture.adminClient.post('/api/v1/users', newUser(fixture));
    expect((await fixture.adminClient.delete(`/api/v1/users/${created.body.id}`)).status).toBe(204);
    const page = (await fixture.adminClient.get(`/api/v1/audit-events?target=${created.body.id}`)).body;
    expect(page.items.map((event: { action: string }) => event.action)).toEqual(['user.delete', 'user.create']);
    expect(page.labels[created.body.id]).toBeUndefined();
  });

  it('names the catalog applications a licence’s events list, in each language', async () => {
    const code = fixture.code;
    const before = (await test.operator.get(`/operator/v1/licences/${code}`)).body.applications as string[];
    // One application withdrawn (not the licence's own configuration, which holds the audit trail), then given back.
    const withdrawn = before.find((key) => !key.startsWith('licence-configuration.'))!;
    const kept = before.filter((key) => key !== withdrawn);
    expect((await test.operator.patch(`/operator/v1/licences/${code}`, { applications: kept })).status).toBe(200);
    expect((await test.operator.patch(`/operator/v1/licences/${code}`, { applications: before })).status).toBe(200);
    const page = (await fixture.adminClient.get('/api/v1/audit-events?action=licence.update')).body;
    const update = page.items[1];
    expect(update.before.applications).toEqual(before);
    expect(update.after.applications).toEqual(kept);
    const catalog = (await test.operator.get('/operator/v1/catalog')).body as { categories: { applications: { key: string; name: { en: string; fr: string } }[] }[] };
    const named = new Map(catalog.categories.flatMap((category) => category.applications.map((application) => [application.key, application.name] as const)));
    for (const key of before) expect(page.labels[key]).toEqual({ kind: 'application', name: named.get(key)!.en, names: named.get(key) });
    expect(named.get(withdrawn)!.fr).not.toBe(named.get(withdrawn)!.en);
  });

  it('never names another licence’s ids', async () => {
    const other = await createLicence(test);
    const foreign = await other.adminClient.post('/api/v1/users', newUser(other, { firstName: 'Foreign', lastName: 'Person' }));
    const page = (await fixture.adminClient.get('/api/v1/audit-events?limit=500')).body;
    expect(page.labels[foreign.body.id]).toBeUndefined();
    expect(JSON.stringify(page.labels)).not.toContain('Foreign');
  });

  it('gives a support visit’s operator and ticket apart', async () => {
    const opened = await test.operator.post(`/operator/v1/licences/${fixture.code}/support-sessions`, { ticket: 'SUP-9', description: 'Helps with a user', operator: 'Sam Carter' });
    const support = test.anonymous().withBearer(opened.body.sessionToken);
    const created = await support.post('/api/v1/users', newUser(fixture));
    const page = (await fixture.adminClient.get(`/api/v1/audit-events?target=${created.body.id}`)).body;
    expect(page.items[0].actor).toMatchObject({ kind: 'support', operator: 'Sam Carter', ticket: 'SUP-9' });
  });
});
