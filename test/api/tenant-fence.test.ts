import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

// A licence's users are invisible from any other licence: another licence's ids answer 404, never data.

let test: TestApp;
let a: LicenceFixture;
let b: LicenceFixture;
let bUser: { id: string; login: string; email: string };

beforeAll(async () => {
  test = await startTestApp();
  a = await createLicence(test);
  b = await createLicence(test);
  const created = await b.adminClient.post('/api/v1/users', newUser(b, { firstName: 'Secret', lastName: 'Person', email: 'secret.person@b.example' }));
  bUser = created.body;
});
afterAll(() => test.close());

describe('the tenant fence', () => {
  it("answers 404 for every users endpoint given another licence's user id, and changes nothing", async () => {
    const ids = [bUser.id, b.admin.id];
    for (const id of ids) {
      const calls = [
        () => a.adminClient.get(`/api/v1/users/${id}`),
        () => a.adminClient.patch(`/api/v1/users/${id}`, { firstName: 'Changed' }),
        () => a.adminClient.post(`/api/v1/users/${id}/deactivate`),
        () => a.adminClient.post(`/api/v1/users/${id}/activate`),
        () => a.adminClient.post(`/api/v1/users/${id}/password-reset`),
        () => a.adminClient.delete(`/api/v1/users/${id}`),
      ];
      for (const call of calls) {
        const answer = await call();
        expect(answer.status).toBe(404);
        expect(answer.body.code).toBe('not_found');
        expect(JSON.stringify(answer.body)).not.toContain('Secret');
      }
    }
    const untouched = await b.adminClient.get(`/api/v1/users/${bUser.id}`);
    expect(untouched.body).toMatchObject({ firstName: 'Secret', status: 'active' });
    expect((await b.adminClient.get('/api/v1/me')).status).toBe(200);
  });

  it("never shows another licence's users in a list or a search", async () => {
    for (const q of ['secret', 'person', 'b.example', bUser.login, 'support', 'admin']) {
      const answer = await a.adminClient.get(`/api/v1/users?q=${encodeURIComponent(q)}`);
      expect(answer.body.items.every((u: { id: string }) => u.id !== bUser.id && u.id !== b.admin.id)).toBe(true);
    }
    const deactivated = await a.adminClient.get('/api/v1/users?status=deactivated&limit=500');
    expect(deactivated.body.items).toHaveLength(0);
  });

  it("refuses another licence's configuration, group and entity when creating or editing", async () => {
    const foreignConfiguration = b.configurations.find((c: { key: string }) => c.key === 'user').id;
    const foreignGroup = b.groups[0].id;
    const created = await a.adminClient.post('/api/v1/users', newUser(a, { configurationId: foreignConfiguration, entityGroupId: foreignGroup }));
    expect(created.status).toBe(422);
    expect(created.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort()).toEqual(['configurationId:not_found', 'entityGroupId:not_found']);
    const own = await a.adminClient.post('/api/v1/users', newUser(a));
    const edited = await a.adminClient.patch(`/api/v1/users/${own.body.id}`, { defaultEntityId: b.groups[0].entities[0].id });
    expect(edited.body.errors).toEqual([expect.objectContaining({ field: 'defaultEntityId', code: 'not_in_group' })]);
  });

  it("shows only the licence's own reference data", async () => {
    const groups = await a.adminClient.get('/api/v1/entity-groups');
    expect(groups.body.map((g: { id: string }) => g.id)).toEqual(a.groups.map((g: { id: string }) => g.id));
    const configurations = await a.adminClient.get('/api/v1/rights-configurations');
    expect(configurations.body.map((c: { id: string }) => c.id)).not.toContain(b.configurations[0].id);
    expect((await a.adminClient.get('/api/v1/licence')).body.code).toBe(a.code);
  });
});
