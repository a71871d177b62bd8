import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatehouseClient, GatehouseError, type Check } from '../../src/client/index.ts';
import { DEFAULT_CATALOG } from '../../src/core/default-catalog.ts';
import { configurationId, createLicence, newUser, signIn, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

let test: TestApp;
let fixture: LicenceFixture;
let user: { id: string; login: string; email: string };

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
  const input = newUser(fixture, { configurationId: configurationId(fixture, 'restricted-user') });
  user = { ...input, id: (await fixture.adminClient.post('/api/v1/users', input)).body.id };
});
afterAll(() => test.close());

// The platform's services use the typed client; so do these tests.
let gatehouse: GatehouseClient;
beforeAll(() => {
  gatehouse = new GatehouseClient({ baseUrl: test.url, token: test.operatorToken });
});
const check = (checks: Check[]) => gatehouse.authorize(checks);
const reasonOf = async (permission: string, entity?: string) =>
  (await check([{ licence: fixture.code, userId: user.id, permission, ...(entity === undefined ? {} : { entity }) }]))[0]!.reason;

describe('asking for the caller', () => {
  it('answers for a signed-in user, with the reason', async () => {
    const client = await signIn(test, fixture.code, user);
    expect((await client.post('/api/v1/authorize', { permission: 'forms.forms.view' })).body).toEqual({ allowed: true, reason: 'ok' });
    expect((await client.post('/api/v1/authorize', { permission: 'email-campaigns.campaigns.launch' })).body).toEqual({ allowed: false, reason: 'not_in_configuration' });
    expect((await client.post('/api/v1/authorize', { permission: 'forms.forms.view', entity: 'main' })).body.reason).toBe('ok');
    expect((await client.post('/api/v1/authorize', { permission: 'no.such.step' })).body.reason).toBe('unknown_permission');
    expect((await client.post('/api/v1/authorize', { permission: 'forms.forms.view', entity: 'elsewhere' })).body.reason).toBe('entity_not_in_group');
  });

  it('lists the menus a user may see, in their language', async () => {
    const reviewer = newUser(fixture, { configurationId: configurationId(fixture, 'reviewer'), language: 'fr' });
    await fixture.adminClient.post('/api/v1/users', reviewer);
    const client = await signIn(test, fixture.code, reviewer);
    const menus = await client.get('/api/v1/me/permissions');
    expect(menus.body.applications).toEqual([
      { key: 'reporting.campaign-statistics', name: 'Statistiques des campagnes', category: 'reporting', steps: ['reporting.campaign-statistics.view'] },
      { key: 'reporting.dashboards', name: 'Tableaux de bord', category: 'reporting', steps: ['reporting.dashboards.view', 'reporting.dashboards.edit'] },
    ]);
  });
});

describe('asking for anyone (the platform services)', () => {
  it('answers a batch in order, users named by id or login', async () => {
    const results = await check([
      { licence: fixture.code, userId: user.id, permission: 'forms.forms.publish' },
      { licence: fixture.code, login: user.login.toUpperCase(), permission: 'targeting.saved-targetings.view' },
      { licence: fixture.code, login: 'admin', permission: 'licence-configuration.users', entity: fixture.groups[0].entities[0].id },
      { licence: 'no-such-licence', login: 'admin', permission: 'forms' },
      { licence: fixture.code, userId: '00000000-0000-4000-8000-000000000000', permission: 'forms' },
    ]);
    expect(results.map((r) => r.reason)).toEqual(['ok', 'not_in_configuration', 'ok', 'unknown_user', 'unknown_user']);
  });

  it('refuses malformed batches and batches over 1,000 checks', async () => {
    const tooMany = Array.from({ length: 1001 }, () => ({ licence: fixture.code, userId: user.id, permission: 'forms' }));
    const over = await test.operator.post('/operator/v1/authorize', { checks: tooMany });
    expect(over.status).toBe(422);
    expect(over.body.errors[0]).toMatchObject({ field: 'checks', code: 'too_large' });
    const both = await gatehouse.authorize([{ licence: fixture.code, userId: user.id, login: 'x', permission: 'forms' } as unknown as Check]).catch((error: unknown) => error);
    expect(both).toBeInstanceOf(GatehouseError);
    expect((both as GatehouseError).problem.errors?.[0]).toMatchObject({ field: 'checks.0', code: 'user_required' });
    // A French-speaking caller reads the detail in French; the codes and fields stay the same.
    const french = new GatehouseClient({ baseUrl: test.url, token: test.operatorToken, language: 'fr' });
    const inFrench = (await french.authorize([{ licence: fixture.code, userId: user.id, login: 'x', permission: 'forms' } as unknown as Check]).catch((error: unknown) => error)) as GatehouseError;
    expect(inFrench.problem.code).toBe((both as GatehouseError).problem.code);
    expect(inFrench.problem.errors).toEqual((both as GatehouseError).problem.errors);
    expect(inFrench.problem.detail).toMatch(/^Champs refusés/);
    expect((await test.anonymous().post('/operator/v1/authorize', { checks: [] })).status).toBe(401);
  });

  it('names every bad field of a batch, whichever check it is in, and of a single check', async () => {
    const good = { licence: fixture.code, userId: user.id, permission: 'forms' };
    const answer = await test.operator.post('/operator/v1/authorize', {
      checks: [good, { ...good, permission: '' }, { ...good, licence: 'Not A Code' }, { ...good, userId: 'nope' }, { ...good, entity: null }, { ...good, extra: 1 }],
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ field: 'checks.1.permission', code: 'required' }),
      expect.objectContaining({ field: 'checks.2.licence', code: 'invalid_format' }),
      expect.objectContaining({ field: 'checks.3.userId', code: 'invalid_format' }),
      expect.objectContaining({ field: 'checks.4.entity', code: 'invalid_type' }),
      expect.objectContaining({ field: 'checks.5.extra', code: 'unknown_field' }),
    ]);
    const single = await fixture.adminClient.post('/api/v1/authorize', { permission: 'forms', entity: 'x'.repeat(101), other: true });
    expect(single.status).toBe(422);
    expect(single.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'entity', code: 'too_long' }), expect.objectContaining({ field: 'other', code: 'unknown_field' })]),
    );
  });

  it('follows every change on the next decision', async () => {
    // Subscription.
    await test.operator.patch(`/operator/v1/licences/${fixture.code}`, { applications: fixture.licence.applications.filter((a: string) => a !== 'forms.forms') });
    expect(await reasonOf('forms.forms.view')).toBe('application_not_subscribed');
    await test.operator.patch(`/operator/v1/licences/${fixture.code}`, { applications: fixture.licence.applications });
    expect(await reasonOf('forms.forms.view')).toBe('ok');

    // Configuration change and a custom configuration's edit.
    const custom = await test.operator.post(`/operator/v1/licences/${fixture.code}/rights-configurations`, { name: 'Reports', permissions: ['reporting'] });
    await fixture.adminClient.patch(`/api/v1/users/${user.id}`, { configurationId: custom.body.id });
    expect(await reasonOf('reporting.dashboards.edit')).toBe('ok');
    expect(await reasonOf('forms.forms.view')).toBe('not_in_configuration');
    await test.operator.put(`/operator/v1/licences/${fixture.code}/rights-configurations/${custom.body.id}`, { name: 'Reports', permissions: ['forms'] });
    expect(await reasonOf('forms.forms.view')).toBe('ok');

    // Entity group change.
    const paris = await test.operator.post(`/operator/v1/licences/${fixture.code}/entities`, { code: 'paris', name: 'Paris' });
    expect(await reasonOf('forms.forms.view', 'paris')).toBe('entity_not_in_group');
    // An admin grants only within their own group: the vendor first widens the admin's to Paris too.
    const both = await test.operator.post(`/operator/v1/licences/${fixture.code}/entity-groups`, { name: 'Main and Paris', entityIds: [fixture.groups[0].entities[0].id, paris.body.id] });
    expect((await test.operator.patch(`/operator/v1/licences/${fixture.code}/users/${fixture.admin.id}`, { entityGroupId: both.body.id })).status).toBe(200);
    expect((await fixture.adminClient.patch(`/api/v1/users/${user.id}`, { entityGroupId: paris.body.groupId })).status).toBe(200);
    expect(await reasonOf('forms.forms.view', 'paris')).toBe('ok');
    expect(await reasonOf('forms.forms.view', 'main')).toBe('entity_not_in_group');

    // Deactivation and deletion.
    await fixture.adminClient.post(`/api/v1/users/${user.id}/deactivate`);
    expect(await reasonOf('forms.forms.view')).toBe('inactive_user');
    await fixture.adminClient.post(`/api/v1/users/${user.id}/activate`);
    expect(await reasonOf('forms.forms.view', 'paris')).toBe('ok');
    await fixture.adminClient.delete(`/api/v1/users/${user.id}`);
    expect(await reasonOf('forms.forms.view')).toBe('unknown_user');
  });
});

describe('catalog releases', () => {
  it('join standard configurations at once but not custom ones', async () => {
    const licence = await createLicence(test);
    const custom = await test.operator.post(`/operator/v1/licences/${licence.code}/rights-configurations`, { name: 'All e-mail', permissions: ['email-campaigns'] });
    const standardUser = newUser(licence, { configurationId: configurationId(licence, 'user') });
    const customUser = newUser(licence, { configurationId: custom.body.id });
    await licence.adminClient.post('/api/v1/users', standardUser);
    await licence.adminClient.post('/api/v1/users', customUser);

    const catalog = (await test.operator.get('/operator/v1/catalog')).body;
    expect(catalog).toEqual(JSON.parse(JSON.stringify(DEFAULT_CATALOG)));
    catalog.categories.find((c: { key: string }) => c.key === 'email-campaigns').applications.push({
      key: 'email-campaigns.ab-tests',
      name: { en: 'A/B tests', fr: 'Tests A/B' },
      tags: [],
      steps: [{ key: 'email-campaigns.ab-tests.view', name: { en: 'View', fr: 'Consulter' }, tags: [] }],
    });
    expect((await test.operator.put('/operator/v1/catalog', catalog)).status).toBe(200);
    // A new application is not subscribed until the operator adds it to the licence.
    const ask = (login: string) => check([{ licence: licence.code, login, permission: 'email-campaigns.ab-tests.view' }]).then((r) => r[0]!.reason);
    expect(await gatehouse.isAllowed({ licence: licence.code, login: standardUser.login, permission: 'email-campaigns' })).toBe(true);
    expect(await ask(standardUser.login)).toBe('application_not_subscribed');
    await test.operator.patch(`/operator/v1/licences/${licence.code}`, { applications: [...licence.licence.applications, 'email-campaigns.ab-tests'] });
    expect(await ask(standardUser.login)).toBe('ok');
    expect(await ask(customUser.login)).toBe('not_in_configuration');

    // Taking a step away that a custom configuration lists is refused, naming it.
    const shrunk = structuredClone(catalog);
    shrunk.categories.find((c: { key: string }) => c.key === 'email-campaigns').applications.splice(0, 1);
    const refused = await test.operator.put('/operator/v1/catalog', shrunk);
    expect(refused.status).toBe(409);
    expect(refused.body.configurations).toEqual(expect.arrayContaining([expect.objectContaining({ licence: licence.code, name: 'All e-mail' })]));

    const invalid = await test.operator.put('/operator/v1/catalog', { categories: [{ key: 'x', name: { en: 'X', fr: 'X' }, tags: ['nope'], applications: [] }] });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors[0]).toMatchObject({ field: 'categories[0].tags[0]', code: 'invalid_catalog' });
  });
});
