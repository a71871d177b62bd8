import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurationId, createLicence, newUser, signIn, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';
import { EXTENSION, provisioningToken, ScimClient, scimUser } from '../support/scim.ts';

// A provisioning token acts on its own licence only, on /scim/v2 only, and not once revoked.

let test: TestApp;
let mine: LicenceFixture;
let theirs: LicenceFixture;
let scim: ScimClient;
let theirUser: any;
beforeAll(async () => {
  test = await startTestApp();
  mine = await createLicence(test);
  theirs = await createLicence(test);
  scim = (await provisioningToken(test, mine)).scim;
  const theirScim = (await provisioningToken(test, theirs)).scim;
  theirUser = (await theirScim.post('/Users', scimUser())).body;
});
afterAll(() => test.close());

describe('the tenant fence', () => {
  it("never reaches another licence's users, on any endpoint", async () => {
    const path = `/Users/${theirUser.id}`;
    expect((await scim.get(path)).status).toBe(404);
    expect((await scim.put(path, { ...theirUser, name: { givenName: 'Taken', familyName: 'Over' } })).status).toBe(404);
    expect((await scim.patch(path, [{ op: 'replace', path: 'active', value: false }])).status).toBe(404);
    expect((await scim.delete(path)).status).toBe(404);
    for (const filter of [`id eq "${theirUser.id}"`, `userName eq "${theirUser.userName}"`, `externalId eq "${theirUser.externalId}"`, `emails co "${theirUser.emails[0].value}"`]) {
      expect((await scim.get(`/Users?filter=${encodeURIComponent(filter)}`)).body.totalResults).toBe(0);
    }
    const all = await scim.get('/Users?count=200');
    expect(all.body.Resources.map((user: { id: string }) => user.id)).not.toContain(theirUser.id);
    // Their own entity group's name means nothing here; their user is as it was.
    const theirGroup = await test.operator.post(`/operator/v1/licences/${theirs.code}/entity-groups`, { name: `Only ${theirs.code}`, entityIds: [theirs.groups[0].entities[0].id] });
    expect(theirGroup.status).toBe(201);
    const refused = await scim.post('/Users', scimUser({ [EXTENSION]: { entityGroup: `Only ${theirs.code}` } }));
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain(`${EXTENSION}:entityGroup`);
    const stillTheirs = await theirs.adminClient.get(`/api/v1/users/${theirUser.id}`);
    expect(stillTheirs.body).toMatchObject({ status: 'active', firstName: theirUser.name.givenName });
  });

  it('gives the same userName in two licences to two people', async () => {
    const same = await scim.post('/Users', scimUser({ userName: theirUser.userName }));
    expect(same.status).toBe(201);
    expect(same.body.id).not.toBe(theirUser.id);
  });

  it('is not a credential anywhere but /scim/v2', async () => {
    const token = await provisioningToken(test, mine, { name: 'Only SCIM' });
    const bearer = test.anonymous().withBearer(token.token);
    expect((await bearer.get('/api/v1/users')).status).toBe(401);
    expect((await bearer.get('/api/v1/me')).status).toBe(401);
    expect((await bearer.get('/operator/v1/licences')).status).toBe(401);
  });
});

describe('provisioning tokens', () => {
  it('are listed without their secret, with their defaults and last use, and refused everywhere once revoked', async () => {
    const token = await provisioningToken(test, mine, { name: 'Google Workspace' });
    expect(token.token).toMatch(/^gps_/);
    const user = (await token.scim.post('/Users', scimUser())).body;
    const listed = await mine.adminClient.get('/api/v1/provisioning-tokens');
    const entry = listed.body.items.find((item: { id: string }) => item.id === token.id);
    expect(entry).toEqual({
      id: token.id,
      name: 'Google Workspace',
      createdAt: expect.any(String),
      createdBy: { id: mine.admin.id, login: 'admin' },
      lastUsedAt: expect.any(String),
      revokedAt: null,
      configuration: { id: configurationId(mine, 'user'), key: 'user', name: 'User' },
      entityGroup: { id: mine.groups[0].id, name: mine.groups[0].name },
    });
    expect(JSON.stringify(listed.body)).not.toContain(token.token);
    expect((await theirs.adminClient.get('/api/v1/provisioning-tokens')).body.items.map((item: { id: string }) => item.id)).not.toContain(token.id);
    // Another licence's admin cannot revoke it.
    expect((await theirs.adminClient.post(`/api/v1/provisioning-tokens/${token.id}/revoke`)).status).toBe(404);

    const revoked = await mine.adminClient.post(`/api/v1/provisioning-tokens/${token.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    for (const [method, path] of [
      ['GET', '/ServiceProviderConfig'],
      ['GET', '/Users'],
      ['GET', `/Users/${user.id}`],
      ['POST', '/Users'],
      ['PUT', `/Users/${user.id}`],
      ['PATCH', `/Users/${user.id}`],
      ['DELETE', `/Users/${user.id}`],
    ] as const) {
      const body = method === 'POST' || method === 'PUT' ? scimUser() : method === 'PATCH' ? { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] } : undefined;
      const answer = await token.scim.request(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.body.status).toBe('401');
    }
    expect((await scim.get(`/Users/${user.id}`)).body.active).toBe(true);
    const again = await mine.adminClient.post(`/api/v1/provisioning-tokens/${token.id}/revoke`);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    const trail = await mine.adminClient.get('/api/v1/audit-events?target=Google Workspace');
    expect(trail.body.items.map((event: { action: string }) => event.action)).toEqual(['provisioning-token.revoke', 'provisioning-token.create']);
  });

  it("take defaults only among what the creating admin may grant, in their own licence", async () => {
    const post = (body: Record<string, unknown>) => mine.adminClient.post('/api/v1/provisioning-tokens', { name: 'Refused', configurationId: configurationId(mine, 'user'), entityGroupId: mine.groups[0].id, ...body });
    const vendorOnly = await post({ configurationId: configurationId(mine, 'admin') });
    expect(vendorOnly.status).toBe(422);
    expect(vendorOnly.body.errors).toEqual([expect.objectContaining({ field: 'configurationId', code: 'not_assignable' })]);
    const foreign = await post({ configurationId: configurationId(theirs, 'user'), entityGroupId: theirs.groups[0].id });
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors.map((e: { field: string; code: string }) => `${e.field} ${e.code}`)).toEqual(['configurationId not_found', 'entityGroupId not_found']);
    const unnamed = await post({ name: '' });
    expect(unnamed.body.errors[0]).toMatchObject({ field: 'name' });
    // People without the right to create users cannot make tokens.
    const plain = newUser(mine);
    await mine.adminClient.post('/api/v1/users', plain);
    const person = await signIn(test, mine.code, plain);
    expect((await person.get('/api/v1/provisioning-tokens')).status).toBe(403);
    expect((await person.post('/api/v1/provisioning-tokens', { name: 'Mine', configurationId: configurationId(mine, 'user'), entityGroupId: mine.groups[0].id })).status).toBe(403);
  });

  it("stop working while their creator is deactivated, and go with them", async () => {
    const second = newUser(mine, { configurationId: configurationId(mine, 'admin') });
    const made = await test.operator.post(`/operator/v1/licences/${mine.code}/users`, second);
    expect(made.status).toBe(201);
    const secondAdmin = await signIn(test, mine.code, second);
    const created = await secondAdmin.post('/api/v1/provisioning-tokens', { name: 'Second', configurationId: configurationId(mine, 'user'), entityGroupId: mine.groups[0].id });
    expect(created.status).toBe(201);
    const client = new ScimClient(test.anonymous().withBearer(created.body.token));
    expect((await client.get('/Users?count=0')).status).toBe(200);
    await mine.adminClient.post(`/api/v1/users/${made.body.id}/deactivate`);
    expect((await client.get('/Users?count=0')).status).toBe(401);
    await mine.adminClient.post(`/api/v1/users/${made.body.id}/activate`);
    expect((await client.get('/Users?count=0')).status).toBe(200);
    await mine.adminClient.delete(`/api/v1/users/${made.body.id}`);
    expect((await client.get('/Users?count=0')).status).toBe(401);
    expect((await mine.adminClient.get('/api/v1/provisioning-tokens')).body.items.map((item: { id: string }) => item.id)).not.toContain(created.body.id);
  });
});
