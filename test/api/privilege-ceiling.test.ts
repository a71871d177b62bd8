import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../support/http.ts';
import { configurationId, createLicence, newUser, signIn, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// Who may grant what: an unchanged configuration is never checked again, and (below) nobody grants
// more than they hold.

let test: TestApp;
let fixture: LicenceFixture;

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test, { seatLimit: 50 });
});
afterAll(() => test.close());

describe('a user who holds the Admin configuration', () => {
  it('edits their own gender and mobile', async () => {
    const answer = await fixture.adminClient.patch(`/api/v1/users/${fixture.admin.id}`, { gender: 'female', mobile: '+33698765432' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ gender: 'female', mobile: '+33698765432', configuration: { name: 'Admin' } });
  });

  it('is editable by another admin in everything but the configuration', async () => {
    const other = await test.operator.post(`/operator/v1/licences/${fixture.code}/users`, newUser(fixture, { configurationId: configurationId(fixture, 'admin') }));
    expect(other.status).toBe(201);
    const renamed = await fixture.adminClient.patch(`/api/v1/users/${other.body.id}`, { firstName: 'Ada', lastName: 'Byron', configurationId: configurationId(fixture, 'admin') });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ firstName: 'Ada', lastName: 'Byron', configuration: { name: 'Admin' } });

    const demoted = await fixture.adminClient.patch(`/api/v1/users/${other.body.id}`, { configurationId: configurationId(fixture, 'user') });
    expect(demoted.status).toBe(422);
    expect(demoted.body.errors).toEqual([expect.objectContaining({ field: 'configurationId', code: 'not_assignable' })]);
  });
});

describe('the ceiling: nobody grants more than they hold', () => {
  // A custom configuration with user management and reporting only: a licence admin's delegate.
  let delegate: { id: string; configurationId: string; client: HttpClient };
  let stronger: { id: string };
  let bothGroup: string;
  // An Admin whose group holds every entity: an admin grants only groups within their own.
  let chief: HttpClient;

  beforeAll(async () => {
    const second = await test.operator.post(`/operator/v1/licences/${fixture.code}/entities`, { code: 'second', name: 'Second' });
    const both = await test.operator.post(`/operator/v1/licences/${fixture.code}/entity-groups`, { name: 'Main and second', entityIds: [fixture.groups[0].entities[0].id, second.body.id] });
    expect(both.status).toBe(201);
    bothGroup = both.body.id;
    const chiefInput = newUser(fixture, { configurationId: configurationId(fixture, 'admin'), entityGroupId: bothGroup, defaultEntityId: second.body.id });
    expect((await test.operator.post(`/operator/v1/licences/${fixture.code}/users`, chiefInput)).status).toBe(201);
    chief = await signIn(test, fixture.code, chiefInput);

    const custom = await test.operator.post(`/operator/v1/licences/${fixture.code}/rights-configurations`, { name: 'User managers', permissions: ['licence-configuration', 'reporting'] });
    expect(custom.status).toBe(201);
    const input = newUser(fixture, { configurationId: custom.body.id });
    const created = await fixture.adminClient.post('/api/v1/users', input);
    expect(created.status).toBe(201);
    delegate = { id: created.body.id, configurationId: custom.body.id, client: await signIn(test, fixture.code, input) };
    stronger = (await fixture.adminClient.post('/api/v1/users', newUser(fixture, { configurationId: configurationId(fixture, 'advanced-user') }))).body;
  });

  const expectRefused = (answer: { status: number; headers: Headers; body: any }, field: string) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(403);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.code).toBe('exceeds_own_rights');
    expect(answer.body.errors).toEqual([expect.objectContaining({ field, code: 'exceeds_own_rights' })]);
  };

  it('refuses a user with user management who gives themselves a stronger configuration, and changes nothing', async () => {
    const before = (await fixture.adminClient.get(`/api/v1/users/${delegate.id}`)).body;
    const answer = await delegate.client.patch(`/api/v1/users/${delegate.id}`, { configurationId: configurationId(fixture, 'advanced-user'), firstName: 'Escalated' });
    expectRefused(answer, 'configurationId');
    const after = (await fixture.adminClient.get(`/api/v1/users/${delegate.id}`)).body;
    expect(after).toEqual(before);
    expect((await delegate.client.get('/api/v1/me/permissions')).body.applications.map((a: { key: string }) => a.key)).not.toContain('email-campaigns.campaigns');
  });

  it('refuses anyone changing their own entity group, an Admin too', async () => {
    expectRefused(await delegate.client.patch(`/api/v1/users/${delegate.id}`, { entityGroupId: bothGroup, defaultEntityId: fixture.groups[0].entities[0].id }), 'entityGroupId');
    expectRefused(await fixture.adminClient.patch(`/api/v1/users/${fixture.admin.id}`, { entityGroupId: bothGroup, defaultEntityId: fixture.groups[0].entities[0].id }), 'entityGroupId');
  });

  it('refuses granting a configuration stronger than one’s own, and creates nobody', async () => {
    const before = (await fixture.adminClient.get('/api/v1/users?limit=500')).body.items.length;
    const input = newUser(fixture, { configurationId: configurationId(fixture, 'advanced-user') });
    expectRefused(await delegate.client.post('/api/v1/users', input), 'configurationId');
    expect((await fixture.adminClient.get('/api/v1/users?limit=500')).body.items.length).toBe(before);
  });

  it('refuses granting a group with entities outside one’s own', async () => {
    const input = newUser(fixture, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: bothGroup, defaultEntityId: fixture.groups[0].entities[0].id });
    expectRefused(await delegate.client.post('/api/v1/users', input), 'entityGroupId');
  });

  it('lets the delegate grant and edit within their own rights', async () => {
    const reviewer = await delegate.client.post('/api/v1/users', newUser(fixture, { configurationId: configurationId(fixture, 'reviewer') }));
    expect(reviewer.status).toBe(201);
    const renamed = await delegate.client.patch(`/api/v1/users/${reviewer.body.id}`, { lastName: 'Within', configurationId: delegate.configurationId });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ lastName: 'Within', configuration: { id: delegate.configurationId } });
  });

  it('refuses editing, deactivating, deleting or resetting a stronger user, and changes nothing', async () => {
    const before = (await fixture.adminClient.get(`/api/v1/users/${stronger.id}`)).body;
    for (const answer of [
      await delegate.client.patch(`/api/v1/users/${stronger.id}`, { lastName: 'Renamed' }),
      await delegate.client.patch(`/api/v1/users/${stronger.id}`, { configurationId: configurationId(fixture, 'reviewer') }),
      await delegate.client.post(`/api/v1/users/${stronger.id}/deactivate`),
      await delegate.client.post(`/api/v1/users/${stronger.id}/password-reset`),
      await delegate.client.delete(`/api/v1/users/${stronger.id}`),
      await delegate.client.delete(`/api/v1/users/${stronger.id}/totp`),
    ]) {
      expectRefused(answer, 'id');
    }
    expect((await fixture.adminClient.get(`/api/v1/users/${stronger.id}`)).body).toEqual(before);
    // An Admin, who holds every step, is above them.
    expectRefused(await delegate.client.patch(`/api/v1/users/${fixture.admin.id}`, { firstName: 'Mallory' }), 'id');
  });

  it('refuses acting on a user whose group sees more entities than one’s own', async () => {
    const wide = await chief.post('/api/v1/users', newUser(fixture, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: bothGroup, defaultEntityId: fixture.groups[0].entities[0].id }));
    expect(wide.status).toBe(201);
    expectRefused(await delegate.client.patch(`/api/v1/users/${wide.body.id}`, { firstName: 'Narrowed' }), 'id');
  });

  it('refuses an Admin a group beyond their own', async () => {
    expectRefused(await fixture.adminClient.patch(`/api/v1/users/${stronger.id}`, { entityGroupId: bothGroup, defaultEntityId: fixture.groups[0].entities[0].id }), 'entityGroupId');
  });

  it('lets the vendor widen an admin’s group, after which the admin grants it', async () => {
    const admin = fixture.admin.id as string;
    const widened = await test.operator.patch(`/operator/v1/licences/${fixture.code}/users/${admin}`, { entityGroupId: bothGroup, defaultEntityId: fixture.groups[0].entities[0].id });
    expect(widened.status, JSON.stringify(widened.body)).toBe(200);
    expect(widened.body.entityGroup.id).toBe(bothGroup);
    const granted = await fixture.adminClient.post('/api/v1/users', newUser(fixture, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: bothGroup, defaultEntityId: fixture.groups[0].entities[0].id }));
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
    const back = await test.operator.patch(`/operator/v1/licences/${fixture.code}/users/${admin}`, { entityGroupId: fixture.groups[0].id });
    expect(back.status).toBe(200);
    expect((await test.operator.patch(`/operator/v1/licences/${fixture.code}/users/${admin}`, { login: 'renamed' })).body.errors).toEqual([expect.objectContaining({ field: 'login', code: 'immutable' })]);
  });

  it('lets an Admin edit other users as before', async () => {
    const edited = await chief.patch(`/api/v1/users/${stronger.id}`, { lastName: 'Edited', configurationId: configurationId(fixture, 'user'), entityGroupId: bothGroup, defaultEntityId: fixture.groups[0].entities[0].id });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ lastName: 'Edited', configuration: { name: 'User' }, entityGroup: { id: bothGroup } });
    const delegateEdited = await fixture.adminClient.patch(`/api/v1/users/${delegate.id}`, { firstName: 'Trusted' });
    expect(delegateEdited.status).toBe(200);
  });

  it('leaves the vendor’s support visit to the vendor’s rules: it grants what the support account lacks, never Admin', async () => {
    const opened = await test.operator.post(`/operator/v1/licences/${fixture.code}/support-sessions`, { ticket: 'SUP-5', description: 'Set up a user', operator: 'Sam' });
    const support = test.anonymous().withBearer(opened.body.sessionToken);
    // Advanced user can export data; the Support configuration cannot.
    expect((await support.post('/api/v1/users', newUser(fixture, { configurationId: configurationId(fixture, 'advanced-user') }))).status).toBe(201);
    const admin = await support.post('/api/v1/users', newUser(fixture, { configurationId: configurationId(fixture, 'admin') }));
    expect(admin.status).toBe(422);
    expect(admin.body.errors).toEqual([expect.objectContaining({ field: 'configurationId', code: 'not_assignable' })]);
  });

  it('resets, of every password, only those of users within one’s own rights', async () => {
    const within = newUser(fixture, { configurationId: configurationId(fixture, 'reviewer') });
    await delegate.client.post('/api/v1/users', within);
    const answer = await delegate.client.post('/api/v1/users/password-reset', { currentPassword: TEST_PASSWORD });
    expect(answer.status).toBe(202);
    const stillSignsIn = await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: fixture.admin.login, password: TEST_PASSWORD });
    expect(stillSignsIn.status).toBe(200);
    expect((await test.messagesTo(within.email)).at(-1)?.subject).toContain('Reset');
  });
});
