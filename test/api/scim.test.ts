import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, signIn, startTestApp, unique, type LicenceFixture, type TestApp } from '../support/app.ts';
import { ERROR_SCHEMA, EXTENSION, provisioningToken, scimUser, USER_SCHEMA, type ScimClient } from '../support/scim.ts';

let test: TestApp;
let fixture: LicenceFixture;
let scim: ScimClient;
let tokenName: string;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
  const token = await provisioningToken(test, fixture, { name: 'Okta' });
  scim = token.scim;
  tokenName = token.name;
});
afterAll(() => test.close());

const create = async (overrides: Record<string, unknown> = {}) => {
  const created = await scim.post('/Users', scimUser(overrides));
  if (created.status !== 201) throw new Error(`SCIM create failed: ${JSON.stringify(created.body)}`);
  return created.body;
};

/** A SCIM error document, as RFC 7644 §3.12 shapes it. */
const scimError = (status: number, scimType?: string) => ({ schemas: [ERROR_SCHEMA], status: String(status), ...(scimType === undefined ? {} : { scimType }), detail: expect.any(String) });

describe('SCIM discovery', () => {
  it('describes the service, its resource type and schemas', async () => {
    const config = await scim.get('/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.headers.get('content-type')).toContain('application/scim+json');
    expect(config.body).toMatchObject({ patch: { supported: true }, bulk: { supported: false }, filter: { supported: true, maxResults: 200 }, sort: { supported: true }, etag: { supported: true } });
    const types = await scim.get('/ResourceTypes');
    expect(types.body).toMatchObject({ totalResults: 1, Resources: [{ id: 'User', endpoint: '/Users', schema: USER_SCHEMA, schemaExtensions: [{ schema: EXTENSION, required: false }] }] });
    const schemas = await scim.get('/Schemas');
    expect(schemas.body.Resources.map((schema: { id: string }) => schema.id)).toEqual([USER_SCHEMA, EXTENSION]);
    const userName = (await scim.get(`/Schemas/${USER_SCHEMA}`)).body.attributes.find((a: { name: string }) => a.name === 'userName');
    expect(userName).toMatchObject({ mutability: 'immutable', uniqueness: 'server', required: true });
    expect((await scim.get('/Schemas/urn:nothing')).body).toEqual(scimError(404));
  });
});

describe('SCIM users', () => {
  it('creates a user with the token defaults, answered as a SCIM resource with an ETag, and audited under the token', async () => {
    const sent = scimUser();
    const created = await scim.post('/Users', sent);
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toContain('application/scim+json');
    expect(created.body).toMatchObject({
      schemas: [USER_SCHEMA, EXTENSION],
      userName: sent.userName,
      externalId: sent.externalId,
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [{ value: sent.emails[0]!.value, primary: true }],
      preferredLanguage: 'en',
      active: true,
      [EXTENSION]: { configuration: 'user', entityGroup: fixture.groups[0].name, defaultEntity: 'main' },
      meta: { resourceType: 'User', version: expect.stringMatching(/^W\/"\d+"$/) },
    });
    expect(created.headers.get('etag')).toBe(created.body.meta.version);
    expect(created.headers.get('location')).toBe(created.body.meta.location);
    expect(created.body.meta.location).toMatch(new RegExp(`/scim/v2/Users/${created.body.id}$`));

    // The console sees the same person; the welcome e-mail went out as for any new user.
    const inConsole = await fixture.adminClient.get(`/api/v1/users/${created.body.id}`);
    expect(inConsole.body).toMatchObject({ login: sent.userName, status: 'active', configuration: { name: 'User' } });
    expect(await test.messagesTo(sent.emails[0]!.value)).toHaveLength(1);
    const trail = await fixture.adminClient.get(`/api/v1/audit-events?target=${sent.userName}`);
    expect(trail.body.items[0]).toMatchObject({ action: 'user.create', actor: { name: expect.stringContaining(tokenName) } });
  });

  it('takes the Gatehouse extension for the configuration, group and default entity', async () => {
    const created = await create({ [EXTENSION]: { configuration: 'reviewer', entityGroup: fixture.groups[0].name, defaultEntity: 'main' } });
    expect(created[EXTENSION]).toEqual({ configuration: 'reviewer', entityGroup: fixture.groups[0].name, defaultEntity: 'main' });
  });

  it('reads a user by id, and a wrong id is a SCIM 404', async () => {
    const created = await create();
    const read = await scim.get(`/Users/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created);
    expect(read.headers.get('etag')).toBe(created.meta.version);
    expect((await scim.get('/Users/00000000-0000-4000-8000-000000000000')).body).toEqual(scimError(404));
    expect((await scim.get('/Users/not-an-id')).body).toEqual(scimError(404));
  });

  it('returns only the attributes asked for, or all but the excluded ones (id and schemas always)', async () => {
    const created = await create({ phoneNumbers: [{ value: '+33612345678', type: 'mobile' }] });
    const some = await scim.get(`/Users/${created.id}?attributes=userName,name.familyName,emails.value`);
    expect(some.body).toEqual({ schemas: created.schemas, id: created.id, userName: created.userName, name: { familyName: 'Jensen' }, emails: [{ value: created.emails[0].value }] });
    const withUrn = await scim.get(`/Users/${created.id}?attributes=${USER_SCHEMA}:userName,${EXTENSION}:configuration`);
    expect(withUrn.body).toEqual({ schemas: created.schemas, id: created.id, userName: created.userName, [EXTENSION]: { configuration: 'user' } });
    const without = await scim.get(`/Users/${created.id}?excludedAttributes=phoneNumbers,meta,id,${EXTENSION}`);
    expect(without.body.id).toBe(created.id);
    expect(without.body).not.toHaveProperty('phoneNumbers');
    expect(without.body).not.toHaveProperty('meta');
    expect(without.body).not.toHaveProperty(EXTENSION);
    expect(without.body.userName).toBe(created.userName);
    const listed = await scim.get(`/Users?filter=${encodeURIComponent(`id eq "${created.id}"`)}&attributes=userName`);
    expect(listed.body.Resources).toEqual([{ schemas: created.schemas, id: created.id, userName: created.userName }]);
  });
});

describe('SCIM filters (RFC 7644 §3.4.2.2 examples on the mapped attributes)', () => {
  const family = unique('fam');
  let bjensen: any;
  let jsmith: any;
  let omalley: any;
  beforeAll(async () => {
    bjensen = await create({ userName: `bjensen-${family}`, name: { givenName: 'Barbara', familyName: family }, emails: [{ value: `bjensen-${family}@example.com`, type: 'work', primary: true }] });
    jsmith = await create({ userName: `Jsmith-${family}`, name: { givenName: 'John', familyName: family }, emails: [{ value: `jsmith-${family}@example.org`, type: 'work' }], preferredLanguage: 'fr' });
    omalley = await create({ userName: `omalley-${family}`, name: { givenName: 'Ann', familyName: `O'Malley ${family}` }, emails: [{ value: `omalley-${family}@example.com` }], active: false });
  });

  const ids = async (filter: string, extra = '') => {
    const answer = await scim.get(`/Users?filter=${encodeURIComponent(filter)}${extra}`);
    if (answer.status !== 200) throw new Error(`${filter}: ${JSON.stringify(answer.body)}`);
    expect(answer.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    return answer.body.Resources.map((user: { id: string }) => user.id).sort();
  };
  const sorted = (...users: any[]) => users.map((user) => user.id).sort();

  it.each([
    ['userName eq (case-insensitive)', () => `userName eq "BJENSEN-${family}"`, () => [bjensen]],
    ['name.familyName co', () => `name.familyName co "O'Malley"`, () => [omalley]],
    ['userName sw', () => `userName sw "J" and name.familyName eq "${family}"`, () => [jsmith]],
    ['the core schema URN', () => `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "j" and name.familyName ew "${family}"`, () => [jsmith]],
    ['emails co … or emails.value co …', () => `name.familyName ew "${family}" and (emails co "example.com" or emails.value co "example.org")`, () => [bjensen, jsmith, omalley]],
    ['not (…)', () => `name.familyName ew "${family}" and not (emails co "example.com" or emails.value co "example.org")`, () => []],
    ['a value path', () => `emails[type eq "work" and value co "${family}@example.com"]`, () => [bjensen, omalley]],
    ['active eq false', () => `active eq false and name.familyName co "${family}"`, () => [omalley]],
    ['preferredLanguage', () => `preferredLanguage eq "fr" and name.familyName eq "${family}"`, () => [jsmith]],
    ['externalId (case-exact)', () => `externalId eq "${bjensen.externalId}"`, () => [bjensen]],
    ['meta.lastModified gt', () => `meta.lastModified gt "2011-05-13T04:42:34Z" and name.familyName eq "${family}"`, () => [bjensen, jsmith]],
    ['meta.lastModified lt', () => `meta.lastModified lt "2011-05-13T04:42:34Z" and name.familyName eq "${family}"`, () => []],
    ['meta.created ge / le', () => `meta.created ge "2011-05-13T04:42:34Z" and meta.created le "2999-01-01T00:00:00Z" and name.familyName eq "${family}"`, () => [bjensen, jsmith]],
    ['phoneNumbers pr', () => `phoneNumbers pr and name.familyName co "${family}"`, () => []],
    ['the extension', () => `${EXTENSION}:configuration eq "user" and name.familyName co "${family}"`, () => [bjensen, jsmith, omalley]],
  ])('%s', async (_name, filter, expected) => {
    expect(await ids(filter())).toEqual(sorted(...expected()));
  });

  it('pages with startIndex and count, sorted by sortBy and sortOrder, totalResults counting all matches', async () => {
    const filter = `&filter=${encodeURIComponent(`name.familyName co "${family}"`)}`;
    const first = await scim.get(`/Users?startIndex=1&count=2&sortBy=userName${filter}`);
    expect(first.body).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 2 });
    expect(first.body.Resources.map((u: { id: string }) => u.id)).toEqual([bjensen.id, jsmith.id]);
    const second = await scim.get(`/Users?startIndex=3&count=2&sortBy=userName${filter}`);
    expect(second.body).toMatchObject({ totalResults: 3, startIndex: 3, itemsPerPage: 1 });
    expect(second.body.Resources.map((u: { id: string }) => u.id)).toEqual([omalley.id]);
    const descending = await scim.get(`/Users?sortBy=name.givenName&sortOrder=descending${filter}`);
    expect(descending.body.Resources.map((u: { id: string }) => u.id)).toEqual([jsmith.id, bjensen.id, omalley.id]);
    const none = await scim.get(`/Users?count=0${filter}`);
    expect(none.body).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
    const beyond = await scim.get(`/Users?startIndex=10${filter}`);
    expect(beyond.body).toMatchObject({ totalResults: 3, startIndex: 10, itemsPerPage: 0, Resources: [] });
  });

  it('refuses a filter that does not parse or names an unknown attribute, as invalidFilter', async () => {
    const broken = await scim.get(`/Users?filter=${encodeURIComponent('userName eq')}`);
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual(scimError(400, 'invalidFilter'));
    const unknown = await scim.get(`/Users?filter=${encodeURIComponent('title pr')}`);
    expect(unknown.body).toEqual(scimError(400, 'invalidFilter'));
    expect(unknown.body.detail).toContain('title');
    const badSort = await scim.get('/Users?sortBy=title');
    expect(badSort.body).toEqual(scimError(400, 'invalidValue'));
    expect(badSort.body.detail).toContain('sortBy');
  });
});

describe('SCIM PATCH (RFC 7644 §3.5.2 examples)', () => {
  it('adds, replaces and removes, value paths included', async () => {
    const created = await create();
    const added = await scim.patch(`/Users/${created.id}`, [{ op: 'add', path: 'phoneNumbers', value: [{ value: '+33612345678', type: 'mobile' }] }]);
    expect(added.status).toBe(200);
    expect(added.body.phoneNumbers).toEqual([{ value: '+33612345678', type: 'mobile' }]);
    const replaced = await scim.patch(`/Users/${created.id}`, [
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'new.address@example.com' },
      { op: 'replace', path: 'name.familyName', value: 'Jensen-Smith' },
      { op: 'replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+33698765432' },
    ]);
    expect(replaced.body).toMatchObject({ emails: [{ value: 'new.address@example.com' }], name: { familyName: 'Jensen-Smith' }, phoneNumbers: [{ value: '+33698765432' }] });
    const noPath = await scim.patch(`/Users/${created.id}`, [{ op: 'replace', value: { 'name.givenName': 'Babs', preferredLanguage: 'fr-FR', [`${EXTENSION}:configuration`]: 'reviewer' } }]);
    expect(noPath.body).toMatchObject({ name: { givenName: 'Babs' }, preferredLanguage: 'fr', [EXTENSION]: { configuration: 'reviewer' } });
    const removed = await scim.patch(`/Users/${created.id}`, [
      { op: 'remove', path: 'phoneNumbers[type eq "mobile"]' },
      { op: 'remove', path: 'externalId' },
    ]);
    expect(removed.body).not.toHaveProperty('phoneNumbers');
    expect(removed.body).not.toHaveProperty('externalId');
    const inConsole = await fixture.adminClient.get(`/api/v1/users/${created.id}`);
    expect(inConsole.body).toMatchObject({ firstName: 'Babs', lastName: 'Jensen-Smith', email: 'new.address@example.com', mobile: null, language: 'fr', configuration: { name: 'Reviewer' } });
  });

  it('deactivates (ending sessions) and reactivates with active, as Entra ID sends it', async () => {
    const created = await create();
    const session = await signIn(test, fixture.code, { login: created.userName, email: created.emails[0].value });
    expect((await session.get('/api/v1/me')).status).toBe(200);
    const off = await scim.patch(`/Users/${created.id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    expect(off.body.active).toBe(false);
    expect((await session.get('/api/v1/me')).status).toBe(401);
    expect((await fixture.adminClient.get(`/api/v1/users/${created.id}`)).body.status).toBe('deactivated');
    const on = await scim.patch(`/Users/${created.id}`, [{ op: 'replace', value: { active: true } }]);
    expect(on.body.active).toBe(true);
    const trail = await fixture.adminClient.get(`/api/v1/audit-events?target=${created.userName}`);
    expect(trail.body.items.map((event: { action: string }) => event.action)).toEqual(['user.activate', 'user.deactivate', 'user.create']);
    expect(trail.body.items.every((event: { actor: { name: string } }) => event.actor.name.includes(tokenName))).toBe(true);
  });

  it('refuses a malformed PATCH by its operation, changing nothing', async () => {
    const created = await create();
    const wrongOp = await scim.patch(`/Users/${created.id}`, [{ op: 'move', path: 'userName', value: 'x' }]);
    expect(wrongOp.body).toEqual(scimError(400, 'invalidSyntax'));
    const noTarget = await scim.patch(`/Users/${created.id}`, [{ op: 'replace', path: 'emails[type eq "home"].value', value: 'h@example.com' }, { op: 'remove', path: 'phoneNumbers[type eq "mobile"]' }]);
    expect(noTarget.status).toBe(400);
    expect(noTarget.body.schemas).toEqual([ERROR_SCHEMA]);
    const noOperations = await scim.request('PATCH', `/Users/${created.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] });
    expect(noOperations.body).toEqual(scimError(400, 'invalidValue'));
    expect(noOperations.body.detail).toContain('Operations');
    expect((await scim.get(`/Users/${created.id}`)).body).toEqual(created);
  });
});

describe('SCIM PUT', () => {
  it('replaces the user; what the resource leaves out (mobile, externalId) is cleared, rights stay without the extension', async () => {
    const created = await create({ phoneNumbers: [{ value: '+33612345678', type: 'mobile' }], [EXTENSION]: { configuration: 'reviewer' } });
    const { userName, schemas } = created;
    const replaced = await scim.put(`/Users/${created.id}`, { schemas, userName, name: { givenName: 'Barb', familyName: 'Jensen' }, emails: [{ value: 'barb@example.com', primary: true }], locale: 'fr_FR' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ name: { givenName: 'Barb' }, emails: [{ value: 'barb@example.com' }], preferredLanguage: 'fr', active: true, [EXTENSION]: { configuration: 'reviewer' } });
    expect(replaced.body).not.toHaveProperty('phoneNumbers');
    expect(replaced.body).not.toHaveProperty('externalId');
  });
});

describe('userName is immutable', () => {
  it('refuses a change by PUT or PATCH with scimType mutability, and changes nothing else', async () => {
    const created = await create();
    const put = await scim.put(`/Users/${created.id}`, { ...scimUser(), name: { givenName: 'Changed', familyName: 'Too' } });
    expect(put.status).toBe(400);
    expect(put.body).toEqual(scimError(400, 'mutability'));
    expect(put.body.detail).toContain('userName');
    const patch = await scim.patch(`/Users/${created.id}`, [{ op: 'replace', path: 'name.givenName', value: 'Changed' }, { op: 'replace', path: 'userName', value: 'someone-else' }]);
    expect(patch.body).toEqual(scimError(400, 'mutability'));
    expect((await scim.get(`/Users/${created.id}`)).body).toEqual(created);
  });
});

describe('ETags', () => {
  it('applies PUT, PATCH and DELETE only to the version named in If-Match, else 412', async () => {
    const created = await create();
    const stale = created.meta.version;
    const changed = await scim.patch(`/Users/${created.id}`, [{ op: 'replace', path: 'name.givenName', value: 'First' }], { 'if-match': stale });
    expect(changed.status).toBe(200);
    expect(changed.body.meta.version).not.toBe(stale);
    expect(changed.headers.get('etag')).toBe(changed.body.meta.version);

    const late = await scim.patch(`/Users/${created.id}`, [{ op: 'replace', path: 'name.givenName', value: 'Second' }], { 'if-match': stale });
    expect(late.status).toBe(412);
    expect(late.body).toEqual(scimError(412));
    const latePut = await scim.put(`/Users/${created.id}`, { ...created, name: { givenName: 'Second', familyName: 'Jensen' } }, { 'if-match': stale });
    expect(latePut.status).toBe(412);
    const lateDelete = await scim.delete(`/Users/${created.id}`, { 'if-match': stale });
    expect(lateDelete.status).toBe(412);
    const current = await scim.get(`/Users/${created.id}`);
    expect(current.body.name.givenName).toBe('First');

    // A console edit is a new version too: the ETag counts every write, not only SCIM's.
    await fixture.adminClient.patch(`/api/v1/users/${created.id}`, { lastName: 'Edited' });
    const afterConsole = await scim.get(`/Users/${created.id}`);
    expect(afterConsole.body.meta.version).not.toBe(current.body.meta.version);
    expect((await scim.put(`/Users/${created.id}`, { ...current.body, name: { givenName: 'Third', familyName: 'X' } }, { 'if-match': current.body.meta.version })).status).toBe(412);

    expect((await scim.patch(`/Users/${created.id}`, [{ op: 'replace', path: 'name.givenName', value: 'Any' }], { 'if-match': '*' })).status).toBe(200);
    const latest = (await scim.get(`/Users/${created.id}`)).body.meta.version;
    expect((await scim.delete(`/Users/${created.id}`, { 'if-match': latest })).status).toBe(204);
  });
});

describe('DELETE', () => {
  it('deletes the user finally; the same userName can be provisioned again', async () => {
    const created = await create();
    const deleted = await scim.delete(`/Users/${created.id}`);
    expect(deleted.status).toBe(204);
    expect((await scim.get(`/Users/${created.id}`)).status).toBe(404);
    expect((await fixture.adminClient.get(`/api/v1/users/${created.id}`)).status).toBe(404);
    expect((await scim.delete(`/Users/${created.id}`)).body).toEqual(scimError(404));
    const again = await scim.post('/Users', scimUser({ userName: created.userName }));
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(created.id);
  });
});

describe('protected accounts', () => {
  it('are invisible: absent from lists, 404 on every endpoint', async () => {
    const support = (await fixture.adminClient.get('/api/v1/users?q=support')).body.items.find((user: { login: string }) => user.login === 'support');
    expect(support).toBeDefined();
    expect((await scim.get(`/Users?filter=${encodeURIComponent('userName eq "support"')}`)).body.totalResults).toBe(0);
    const all = await scim.get('/Users?count=200');
    expect(all.body.Resources.map((user: { userName: string }) => user.userName)).not.toContain('support');
    expect((await scim.get(`/Users/${support.id}`)).body).toEqual(scimError(404));
    expect((await scim.put(`/Users/${support.id}`, scimUser({ userName: 'support' }))).status).toBe(404);
    expect((await scim.patch(`/Users/${support.id}`, [{ op: 'replace', path: 'active', value: false }])).status).toBe(404);
    expect((await scim.delete(`/Users/${support.id}`)).status).toBe(404);
    expect((await fixture.adminClient.get(`/api/v1/users/${support.id}`)).body.status).toBe('active');
  });
});

describe('errors are SCIM error documents', () => {
  it('answers 401 without a provisioning token, with a session or with a wrong token', async () => {
    const anonymous = await test.anonymous().get('/scim/v2/Users');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/scim+json');
    expect(anonymous.body).toEqual(scimError(401));
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    expect((await fixture.adminClient.get('/scim/v2/Users')).body).toEqual(scimError(401));
    expect((await test.anonymous().withBearer('gps_wrong').get('/scim/v2/ServiceProviderConfig')).body).toEqual(scimError(401));
    expect((await test.operator.get('/scim/v2/Users')).status).toBe(401);
  });

  it('answers unknown endpoints, bad JSON and other media types in SCIM too', async () => {
    expect((await scim.get('/Groups')).body).toEqual(scimError(404));
    // Even a path the router refuses before routing (too long, or not valid percent-encoding).
    const tooLong = await scim.get(`/Users/${'x'.repeat(2000)}`);
    expect(tooLong.status).toBe(404);
    expect(tooLong.body).toEqual(scimError(404));
    expect((await scim.get('/Users/%ED%A0%80')).body).toEqual(scimError(404));
    const badJson = await scim.request('POST', '/Users', '{"userName": ', { 'content-type': 'application/scim+json' });
    expect(badJson.body).toEqual(scimError(400, 'invalidSyntax'));
    const plainJson = await scim.request('POST', '/Users', '{"userName": ', { 'content-type': 'application/json' });
    expect(plainJson.body).toEqual(scimError(400, 'invalidSyntax'));
    const text = await scim.request('POST', '/Users', 'userName=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body).toEqual(scimError(415));
    // application/json is answered as well as application/scim+json.
    const asJson = await scim.request('POST', '/Users', scimUser(), { 'content-type': 'application/json' });
    expect(asJson.status).toBe(201);
  });

  it('answers a taken userName (whatever its case) with 409 uniqueness', async () => {
    const created = await create();
    const again = await scim.post('/Users', scimUser({ userName: created.userName.toUpperCase() }));
    expect(again.status).toBe(409);
    expect(again.body).toEqual(scimError(409, 'uniqueness'));
    expect(again.body.detail).toContain('userName');
  });
});

describe('bad input never changes a user and names the attribute', () => {
  it.each([
    ['a missing userName', { userName: undefined }, 'userName'],
    ['a userName with spaces', { userName: 'not a login' }, 'userName'],
    ['no e-mail', { emails: [] }, 'emails'],
    ['a malformed e-mail', { emails: [{ value: 'nope', primary: true }] }, 'emails[0].value'],
    ['a mobile that is not E.164', { phoneNumbers: [{ value: '0612345678', type: 'mobile' }] }, 'phoneNumbers[type eq "mobile"].value'],
    ['a missing family name', { name: { givenName: 'Only' } }, 'name.familyName'],
    ['a language Gatehouse does not speak', { preferredLanguage: 'de-DE' }, 'preferredLanguage'],
    ['an unknown configuration', { [EXTENSION]: { configuration: 'nope' } }, `${EXTENSION}:configuration`],
    ['a configuration only the vendor grants', { [EXTENSION]: { configuration: 'admin' } }, `${EXTENSION}:configuration`],
    ['an unknown entity group', { [EXTENSION]: { entityGroup: 'nope' } }, `${EXTENSION}:entityGroup`],
    ['an unknown default entity', { [EXTENSION]: { defaultEntity: 'nope' } }, `${EXTENSION}:defaultEntity`],
    ['no core schema', { schemas: ['urn:other'] }, 'schemas'],
  ])('refuses %s on create', async (_name, overrides, attribute) => {
    const before = (await scim.get('/Users?count=0')).body.totalResults;
    const refused = await scim.post('/Users', scimUser(overrides));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(scimError(400, 'invalidValue'));
    expect(refused.body.detail).toContain(attribute);
    expect((await scim.get('/Users?count=0')).body.totalResults).toBe(before);
  });

  it.each([
    ['a malformed mobile', [{ op: 'add', path: 'phoneNumbers', value: [{ value: '12', type: 'mobile' }] }], 'phoneNumbers'],
    ['an emptied given name', [{ op: 'replace', path: 'name.givenName', value: '' }], 'name.givenName'],
    ['removed e-mails', [{ op: 'remove', path: 'emails' }], 'emails'],
    ['an unknown configuration with a valid name change', [{ op: 'replace', path: 'name.familyName', value: 'Valid' }, { op: 'replace', path: `${EXTENSION}:configuration`, value: 'nope' }], `${EXTENSION}:configuration`],
  ])('refuses %s on PATCH, leaving the user as it was', async (_name, operations, attribute) => {
    const created = await create();
    const refused = await scim.patch(`/Users/${created.id}`, operations);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(scimError(400, 'invalidValue'));
    expect(refused.body.detail).toContain(attribute);
    expect((await scim.get(`/Users/${created.id}`)).body).toEqual(created);
  });
});

describe('the licence rules', () => {
  it('requires a mobile under two-factor', async () => {
    const strict = await createLicence(test);
    const { scim: client } = await provisioningToken(test, strict);
    expect((await strict.adminClient.patch('/api/v1/licence', { twoFactor: true })).status).toBe(200);
    const refused = await client.post('/Users', scimUser());
    expect(refused.body).toEqual(scimError(400, 'invalidValue'));
    expect(refused.body.detail).toContain('phoneNumbers');
    expect((await client.post('/Users', scimUser({ phoneNumbers: [{ value: '+33612345678', type: 'mobile' }] }))).status).toBe(201);
  });

  it('refuses a user beyond the seat limit with a 409 that says so, and a reactivation too', async () => {
    const small = await createLicence(test, { seatLimit: 2 });
    const { scim: client } = await provisioningToken(test, small);
    const kept = await client.post('/Users', scimUser());
    expect(kept.status).toBe(201);
    const beyond = await client.post('/Users', scimUser());
    expect(beyond.status).toBe(409);
    expect(beyond.body).toEqual(scimError(409));
    expect(beyond.body.detail).toMatch(/seat/);
    const off = await client.patch(`/Users/${kept.body.id}`, [{ op: 'replace', path: 'active', value: false }]);
    expect(off.body.active).toBe(false);
    expect((await client.post('/Users', scimUser())).status).toBe(201);
    const back = await client.patch(`/Users/${kept.body.id}`, [{ op: 'replace', path: 'active', value: true }]);
    expect(back.status).toBe(409);
    expect(back.body.detail).toMatch(/seat/);
    expect((await client.get(`/Users/${kept.body.id}`)).body.active).toBe(false);
  });
});
