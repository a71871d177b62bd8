import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, signIn, startTestApp, unique, type TestApp } from '../support/app.ts';

let test: TestApp;
beforeAll(async () => {
  test = await startTestApp();
});
afterAll(() => test.close());

const admin = (code: string, extra: Record<string, unknown> = {}) => ({ login: 'admin', firstName: 'Ada', lastName: 'Admin', email: `admin@${code}.example`, language: 'en', ...extra });

describe('operators setting up a licence', () => {
  it('creates the licence with entity main, its group, the support account and the admin', async () => {
    const code = unique('acme').toLowerCase();
    const created = await test.operator.post('/operator/v1/licences', { code, name: 'Acme', seatLimit: 5, admin: admin(code) });
    expect(created.status).toBe(201);
    expect(created.body.licence).toMatchObject({ code, name: 'Acme', seatLimit: 5, seatsUsed: 1, twoFactor: false });
    expect(created.body.licence.applications).toContain('email-campaigns.campaigns');
    expect(created.body.admin).toMatchObject({ login: 'admin', configuration: { name: 'Admin', kind: 'standard' }, defaultEntity: { code: 'main' } });

    const users = await test.operator.get(`/operator/v1/licences/${code}/users`);
    expect(users.body.items.map((u: { login: string }) => u.login).sort()).toEqual(['admin', 'support']);
    const groups = await test.operator.get(`/operator/v1/licences/${code}/entity-groups`);
    expect(groups.body).toEqual([expect.objectContaining({ name: 'Main', singleEntity: true, entities: [expect.objectContaining({ code: 'main' })] })]);
    const welcome = await test.messagesTo(admin(code).email);
    expect(welcome).toHaveLength(1);
  });

  it('lists, shows and changes licences', async () => {
    const code = unique('globex').toLowerCase();
    await test.operator.post('/operator/v1/licences', { code, name: 'Globex', seatLimit: 3, applications: ['forms.forms', 'reporting.dashboards'], admin: admin(code) });
    expect((await test.operator.get(`/operator/v1/licences/${code}`)).body.applications).toEqual(['forms.forms', 'reporting.dashboards']);
    const patched = await test.operator.patch(`/operator/v1/licences/${code}`, { name: 'Globex Corp', seatLimit: 30, applications: ['forms.forms'] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Globex Corp', seatLimit: 30, applications: ['forms.forms'] });
    const codes: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { code: string }[]; nextCursor: string | null } } = await test.operator.get(`/operator/v1/licences?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      codes.push(...page.body.items.map((l) => l.code));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(codes).toContain(code);
    expect((await test.operator.get('/operator/v1/licences/no-such-licence')).status).toBe(404);
  });

  it('refuses a duplicate code, unknown applications and a bad admin, naming the fields', async () => {
    const code = unique('dup').toLowerCase();
    expect((await test.operator.post('/operator/v1/licences', { code, name: 'One', seatLimit: 1, admin: admin(code) })).status).toBe(201);
    const duplicate = await test.operator.post('/operator/v1/licences', { code, name: 'Two', seatLimit: 1, admin: admin(code) });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body.errors).toEqual([expect.objectContaining({ field: 'code', code: 'taken' })]);

    const other = unique('bad').toLowerCase();
    const unknownApp = await test.operator.post('/operator/v1/licences', { code: other, name: 'X', seatLimit: 1, applications: ['nope.nope'], admin: admin(other) });
    expect(unknownApp.body.errors).toEqual([expect.objectContaining({ field: 'applications.0', code: 'unknown_application' })]);

    const badAdmin = await test.operator.post('/operator/v1/licences', { code: other, name: 'X', seatLimit: 1, twoFactor: true, admin: admin(other) });
    expect(badAdmin.status).toBe(422);
    expect(badAdmin.body.errors).toEqual([expect.objectContaining({ field: 'admin.mobile', code: 'required_when_two_factor' })]);
    expect((await test.operator.get(`/operator/v1/licences/${other}`)).status).toBe(404);

    const badCode = await test.operator.post('/operator/v1/licences', { code: 'Not Valid', name: 'X', seatLimit: 0, admin: { login: 'a' } });
    const fields = badCode.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['code', 'seatLimit', 'admin.firstName', 'admin.email', 'admin.login']));
  });

  it('needs an operator token', async () => {
    expect((await test.anonymous().get('/operator/v1/licences')).status).toBe(401);
    expect((await test.anonymous().withBearer('x'.repeat(40)).get('/operator/v1/licences')).body.code).toBe('unauthenticated');
  });

  it('creates users with any configuration, Admin and Team included', async () => {
    const fixture = await createLicence(test);
    const adminId = fixture.configurations.find((c: { key: string }) => c.key === 'admin').id;
    const second = await test.operator.post(`/operator/v1/licences/${fixture.code}/users`, newUser(fixture, { configurationId: adminId }));
    expect(second.status).toBe(201);
    expect(second.body.configuration.name).toBe('Admin');
  });
});

describe('entities, groups and tailor-made configurations', () => {
  it('adds entities with a group of their own and named groups', async () => {
    const fixture = await createLicence(test);
    const paris = await test.operator.post(`/operator/v1/licences/${fixture.code}/entities`, { code: 'paris', name: 'Paris' });
    expect(paris.status).toBe(201);
    const again = await test.operator.post(`/operator/v1/licences/${fixture.code}/entities`, { code: 'paris', name: 'Paris 2' });
    expect(again.status).toBe(422);
    expect(again.body.errors[0]).toMatchObject({ field: 'code', code: 'taken' });

    const foreign = await createLicence(test);
    const groupWithForeign = await test.operator.post(`/operator/v1/licences/${fixture.code}/entity-groups`, {
      name: 'Mixed',
      entityIds: [paris.body.id, foreign.groups[0].entities[0].id],
    });
    expect(groupWithForeign.status).toBe(422);
    expect(groupWithForeign.body.errors).toEqual([expect.objectContaining({ field: 'entityIds.1', code: 'not_found' })]);

    const groups = await fixture.adminClient.get('/api/v1/entity-groups');
    expect(groups.body.map((g: { name: string }) => g.name)).toEqual(['Main', 'Paris']);
  });

  it('expands permissions of any level to steps and freezes them', async () => {
    const fixture = await createLicence(test);
    const created = await test.operator.post(`/operator/v1/licences/${fixture.code}/rights-configurations`, {
      name: 'Campaign launcher',
      permissions: ['email-campaigns.campaigns', 'reporting.dashboards.view'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'custom', assignable: true, applications: ['email-campaigns.campaigns', 'reporting.dashboards'] });
    expect(created.body.steps).toContain('email-campaigns.campaigns.launch');

    const unknown = await test.operator.post(`/operator/v1/licences/${fixture.code}/rights-configurations`, { name: 'Bad', permissions: ['forms', 'no.such'] });
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'permissions.1', code: 'unknown_permission' })]);

    const updated = await test.operator.put(`/operator/v1/licences/${fixture.code}/rights-configurations/${created.body.id}`, { name: 'Forms only', permissions: ['forms'] });
    expect(updated.body).toMatchObject({ name: 'Forms only', applications: ['forms.forms'] });

    // Admins can grant it.
    const user = await fixture.adminClient.post('/api/v1/users', newUser(fixture, { configurationId: created.body.id }));
    expect(user.status).toBe(201);
    expect(user.body.configuration).toMatchObject({ name: 'Forms only', kind: 'custom' });
  });
});

describe('two-factor switch', () => {
  it('is refused while active users have no mobile, listing them', async () => {
    const fixture = await createLicence(test);
    const noMobile = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', noMobile);
    const refused = await fixture.adminClient.patch('/api/v1/licence', { twoFactor: true });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('users_missing_mobile');
    expect(refused.body.users.map((u: { login: string }) => u.login)).toEqual([noMobile.login]);
    expect((await fixture.adminClient.get('/api/v1/licence')).body.twoFactor).toBe(false);

    const list = await fixture.adminClient.get(`/api/v1/users?q=${noMobile.login}`);
    const target = list.body.items.find((u: { login: string }) => u.login === noMobile.login);
    expect((await fixture.adminClient.patch(`/api/v1/users/${target.id}`, { mobile: '+447911123456' })).status).toBe(200);
    const accepted = await fixture.adminClient.patch('/api/v1/licence', { twoFactor: true });
    expect(accepted.status).toBe(200);
    expect(accepted.body.twoFactor).toBe(true);

    const missing = await fixture.adminClient.post('/api/v1/users', newUser(fixture));
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'mobile', code: 'required_when_two_factor' })]);
  });

  it('is for admins only', async () => {
    const fixture = await createLicence(test);
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    const user = await signIn(test, fixture.code, input);
    expect((await user.patch('/api/v1/licence', { twoFactor: true })).status).toBe(403);
    expect((await user.get('/api/v1/licence')).status).toBe(200);
  });
});
