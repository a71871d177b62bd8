import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listUserViews, TRIGRAM_SAMPLE } from '../../src/features/users/store.ts';
import { configurationId, createLicence, newUser, signIn, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

let test: TestApp;
let fixture: LicenceFixture;

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test, { seatLimit: 10 });
});
afterAll(() => test.close());

const supportAccount = async () => {
  const list = await fixture.adminClient.get('/api/v1/users?q=support');
  return list.body.items.find((user: { login: string }) => user.login === 'support');
};

describe('creating a user', () => {
  it('creates a user, answers it whole and e-mails a set-password link in their language', async () => {
    const input = newUser(fixture, { language: 'fr', mobile: '+33611223344', gender: 'female' });
    const created = await fixture.adminClient.post('/api/v1/users', input);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      login: input.login,
      firstName: 'Grace',
      email: input.email,
      mobile: '+33611223344',
      gender: 'female',
      language: 'fr',
      status: 'active',
      configuration: { id: input.configurationId, name: 'User', kind: 'standard' },
      entityGroup: { id: fixture.groups[0].id },
      defaultEntity: { code: 'main' },
      internal: false,
      protected: false,
      lastLoginAt: null,
    });
    const [welcome] = await test.messagesTo(input.email);
    expect(welcome?.subject).toContain('Votre compte');
    expect(welcome?.text).toMatch(/\/reset-password\?token=/);

    const user = await signIn(test, fixture.code, input);
    expect((await user.get('/api/v1/me')).body.login).toBe(input.login);
  });

  it('names every bad field at once and writes nothing', async () => {
    const before = (await fixture.adminClient.get('/api/v1/users?limit=500')).body.items.length;
    const answer = await fixture.adminClient.post('/api/v1/users', {
      login: 'bad login!',
      firstName: '',
      lastName: 'x'.repeat(101),
      email: 'not-an-email',
      mobile: '0612345678',
      gender: 'robot',
      language: 'de',
      configurationId: 'nope',
      entityGroupId: fixture.groups[0].id,
      favouriteColour: 'blue',
    });
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.code).toBe('validation_failed');
    const fields = Object.fromEntries(answer.body.errors.map((e: { field: string; code: string }) => [e.field, e.code]));
    expect(fields).toMatchObject({
      login: 'invalid_format',
      firstName: 'required',
      lastName: 'too_long',
      email: 'invalid_format',
      mobile: 'invalid_format',
      gender: 'invalid_value',
      language: 'invalid_value',
      configurationId: 'invalid_format',
      favouriteColour: 'unknown_field',
    });
    expect((await fixture.adminClient.get('/api/v1/users?limit=500')).body.items.length).toBe(before);
  });

  it('rejects control characters in names', async () => {
    const answer = await fixture.adminClient.post('/api/v1/users', newUser(fixture, { firstName: 'Gr\u0000ace' }));
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'firstName', code: 'control_characters' })]);
  });

  it('refuses configurations only the vendor grants', async () => {
    for (const key of ['admin', 'support', 'team']) {
      const answer = await fixture.adminClient.post('/api/v1/users', newUser(fixture, { configurationId: configurationId(fixture, key) }));
      expect(answer.status).toBe(422);
      expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'configurationId', code: 'not_assignable' })]);
    }
  });

  it('lists which configurations admins may grant', () => {
    const assignable = fixture.configurations.filter((c: { assignable: boolean }) => c.assignable).map((c: { key: string }) => c.key);
    expect(assignable).toEqual(['advanced-user', 'user', 'restricted-user', 'reviewer', 'transfer-box']);
  });

  it('takes a default entity from the group, and requires one when the group has several', async () => {
    const second = await test.operator.post(`/operator/v1/licences/${fixture.code}/entities`, { code: 'second', name: 'Second' });
    const main = fixture.groups[0].entities[0].id;
    const both = await test.operator.post(`/operator/v1/licences/${fixture.code}/entity-groups`, { name: 'Both', entityIds: [main, second.body.id] });
    expect(both.status).toBe(201);

    const missing = await fixture.adminClient.post('/api/v1/users', newUser(fixture, { entityGroupId: both.body.id }));
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'defaultEntityId', code: 'required' })]);

    const outside = await fixture.adminClient.post('/api/v1/users', newUser(fixture, { entityGroupId: fixture.groups[0].id, defaultEntityId: second.body.id }));
    expect(outside.body.errors).toEqual([expect.objectContaining({ field: 'defaultEntityId', code: 'not_in_group' })]);

    // The operator grants it: an admin grants only groups within their own, and this one's is "main".
    const chosen = await test.operator.post(`/operator/v1/licences/${fixture.code}/users`, newUser(fixture, { entityGroupId: both.body.id, defaultEntityId: second.body.id }));
    expect(chosen.status).toBe(201);
    expect(chosen.body.defaultEntity.code).toBe('second');
  });

  it('answers login_taken for a login that differs only in case', async () => {
    const input = newUser(fixture);
    expect((await fixture.adminClient.post('/api/v1/users', input)).status).toBe(201);
    const again = await fixture.adminClient.post('/api/v1/users', { ...newUser(fixture), login: input.login.toUpperCase() });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('login_taken');
  });
});

describe('the list', () => {
  it('shows active users by default, deactivated ones on their tab, and searches login, names and e-mail', async () => {
    const first = await fixture.adminClient.post('/api/v1/users', newUser(fixture, { firstName: 'Zelda', lastName: 'Quixotic', email: 'zq@findme.example' }));
    const byName = await fixture.adminClient.get('/api/v1/users?q=quixo');
    expect(byName.body.items.map((u: { id: string }) => u.id)).toEqual([first.body.id]);
    expect((await fixture.adminClient.get('/api/v1/users?q=FINDME')).body.items).toHaveLength(1);
    expect((await fixture.adminClient.get('/api/v1/users?q=zelda quix')).body.items).toHaveLength(1);
    expect((await fixture.adminClient.get('/api/v1/users?q=100%25')).body.items).toHaveLength(0);

    await fixture.adminClient.post(`/api/v1/users/${first.body.id}/deactivate`);
    expect((await fixture.adminClient.get('/api/v1/users?q=quixo')).body.items).toHaveLength(0);
    const deactivated = await fixture.adminClient.get('/api/v1/users?status=deactivated&q=quixo');
    expect(deactivated.body.items.map((u: { status: string }) => u.status)).toEqual(['deactivated']);
  });

  it('pages in login order with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const answer: { body: { items: { login: string }[]; nextCursor: string | null } } = await fixture.adminClient.get(`/api/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(answer.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...answer.body.items.map((u) => u.login));
      cursor = answer.body.nextCursor;
    } while (cursor !== null);
    const all = (await fixture.adminClient.get('/api/v1/users?limit=500')).body.items.map((u: { login: string }) => u.login);
    expect(seen).toEqual(all);
    expect(seen).toEqual([...seen].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  });

  it('pages a search in login order with a cursor, the same whether the licence is walked or the trigram index serves it', async () => {
    const own = await createLicence(test, { seatLimit: 10 });
    const made: string[] = [];
    for (const [firstName, lastName, email] of [
      ['Ada', 'Pagewalk', 'ada@one.example'],
      ['Bob', 'Other', 'bob@pagewalk.example'],
      ['Cyd', 'Pagewalker', 'cyd@two.example'],
      ['Dee', 'Nobody', 'dee@three.example'],
      ['Eve', 'PAGEWALK', 'eve@four.example'],
    ]) {
      made.push((await own.adminClient.post('/api/v1/users', newUser(own, { firstName, lastName, email }))).body.id);
    }
    const seen: { id: string; login: string }[] = [];
    let cursor: string | null = null;
    do {
      const answer: { body: { items: { id: string; login: string }[]; nextCursor: string | null } } = await own.adminClient.get(`/api/v1/users?q=pagewalk&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(answer.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...answer.body.items);
      cursor = answer.body.nextCursor;
    } while (cursor !== null);
    expect(new Set(seen.map((u) => u.id))).toEqual(new Set([made[0], made[1], made[2], made[4]]));
    expect(seen.map((u) => u.login)).toEqual([...seen.map((u) => u.login)].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));

    // The same pages whatever the walk's length: none, one or three entries (walks that stop short of
    // the list's end: the licence is big, and its searches then go as a sample of its users tells:
    // walked, or asked of the trigram index), the whole licence.
    for (const walkLimit of [0, 1, 3, 3, 100]) {
      const pages: string[] = [];
      let after: [string, string] | null = null;
      for (;;) {
        const rows = await listUserViews(test.database.handle.db, own.licence.id, { status: 'active', q: 'pagewalk', after, limit: 2 }, { walkLimit, sampleSize: TRIGRAM_SAMPLE });
        pages.push(...rows.slice(0, 2).map((row) => row.user.id));
        if (rows.length <= 2) break;
        after = [rows[1]!.user.login.toLowerCase(), rows[1]!.user.id];
      }
      expect({ walkLimit, pages }).toEqual({ walkLimit, pages: seen.map((u) => u.id) });
    }

    // Terms with trigrams most of the licence's users share ("pagewalk", "user", ".example"): when the
    // licence's sample does not hold the term, the trigram index is asked for the rest of the term
    // only and the whole term is tested on the rows, so the answers are the same whatever the sample
    // (one user, or all six). With all six, "xwalker" is asked as "lker", which finds Cyd Pagewalker
    // in the index, whom the whole term then excludes.
    for (const [q, count] of [['pagewalk.example', 1], ['walker', 1], ['one.example', 1], ['xwalker', 0]] as const) {
      const expected = (await own.adminClient.get(`/api/v1/users?q=${q}`)).body.items.map((u: { id: string }) => u.id);
      expect({ q, found: expected.length }).toEqual({ q, found: count });
      for (const tuning of [{ walkLimit: 0, sampleSize: 1 }, { walkLimit: 0, sampleSize: TRIGRAM_SAMPLE }, { walkLimit: 100, sampleSize: 1 }]) {
        const rows = await listUserViews(test.database.handle.db, own.licence.id, { status: 'active', q, after: null, limit: 50 }, tuning);
        expect({ q, tuning, ids: rows.map((row) => row.user.id) }).toEqual({ q, tuning, ids: expected });
      }
    }
  });

  it('rejects a bad limit or cursor with the field named', async () => {
    const limit = await fixture.adminClient.get('/api/v1/users?limit=501');
    expect(limit.status).toBe(422);
    expect(limit.body.errors[0].field).toBe('limit');
    const cursor = await fixture.adminClient.get('/api/v1/users?cursor=garbage');
    expect(cursor.body.errors[0].field).toBe('cursor');
  });
});

describe('editing a user', () => {
  it('changes fields but never the login', async () => {
    const created = await fixture.adminClient.post('/api/v1/users', newUser(fixture));
    const edited = await fixture.adminClient.patch(`/api/v1/users/${created.body.id}`, { lastName: 'Lovelace', language: 'fr', configurationId: configurationId(fixture, 'reviewer') });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ lastName: 'Lovelace', language: 'fr', configuration: { name: 'Reviewer' }, login: created.body.login });

    const login = await fixture.adminClient.patch(`/api/v1/users/${created.body.id}`, { login: 'renamed', lastName: 'Other' });
    expect(login.status).toBe(422);
    expect(login.body.errors).toEqual([expect.objectContaining({ field: 'login', code: 'immutable' })]);
    expect((await fixture.adminClient.get(`/api/v1/users/${created.body.id}`)).body.lastName).toBe('Lovelace');
  });

  it('does not let an admin change an Admin user’s configuration', async () => {
    const other = await test.operator.post(`/operator/v1/licences/${fixture.code}/users`, newUser(fixture, { configurationId: configurationId(fixture, 'admin') }));
    const answer = await fixture.adminClient.patch(`/api/v1/users/${other.body.id}`, { configurationId: configurationId(fixture, 'user') });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'configurationId', code: 'not_assignable' })]);
  });

  it('does not let an admin change their own configuration', async () => {
    const answer = await fixture.adminClient.patch(`/api/v1/users/${fixture.admin.id}`, { configurationId: configurationId(fixture, 'user') });
    expect(answer.status).toBe(403);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'configurationId', code: 'exceeds_own_rights' })]);
  });
});

describe('deactivation, activation and deletion', () => {
  it('ends the sessions of a deactivated user at once, even a stolen cookie', async () => {
    const input = newUser(fixture);
    const created = await fixture.adminClient.post('/api/v1/users', input);
    const user = await signIn(test, fixture.code, input);
    const stolen = user.cloneCookies();
    expect((await stolen.get('/api/v1/me')).status).toBe(200);

    const deactivated = await fixture.adminClient.post(`/api/v1/users/${created.body.id}/deactivate`);
    expect(deactivated.body.status).toBe('deactivated');
    expect((await user.get('/api/v1/me')).status).toBe(401);
    expect((await stolen.get('/api/v1/me')).status).toBe(401);
    const again = await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: input.login, password: TEST_PASSWORD });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('invalid_credentials');

    expect((await fixture.adminClient.post(`/api/v1/users/${created.body.id}/activate`)).body.status).toBe('active');
    expect((await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: input.login, password: TEST_PASSWORD })).status).toBe(200);
  });

  it('does not let admins deactivate or delete themselves', async () => {
    for (const answer of [
      await fixture.adminClient.post(`/api/v1/users/${fixture.admin.id}/deactivate`),
      await fixture.adminClient.delete(`/api/v1/users/${fixture.admin.id}`),
    ]) {
      expect(answer.status).toBe(409);
      expect(answer.body.code).toBe('cannot_target_self');
    }
  });

  it('deletes for good, and the same login can be created again', async () => {
    const input = newUser(fixture);
    const created = await fixture.adminClient.post('/api/v1/users', input);
    expect((await fixture.adminClient.delete(`/api/v1/users/${created.body.id}`)).status).toBe(204);
    expect((await fixture.adminClient.get(`/api/v1/users/${created.body.id}`)).status).toBe(404);
    expect((await fixture.adminClient.post('/api/v1/users', input)).status).toBe(201);
  });

  it('protects the support account: deactivate and activate only', async () => {
    const support = await supportAccount();
    expect(support).toMatchObject({ protected: true, internal: true, configuration: { name: 'Support', kind: 'internal' } });
    for (const answer of [
      await fixture.adminClient.patch(`/api/v1/users/${support.id}`, { firstName: 'Hacked' }),
      await fixture.adminClient.delete(`/api/v1/users/${support.id}`),
      await fixture.adminClient.post(`/api/v1/users/${support.id}/password-reset`),
    ]) {
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('protected_account');
    }
    expect((await fixture.adminClient.post(`/api/v1/users/${support.id}/deactivate`, { currentPassword: TEST_PASSWORD })).body.status).toBe('deactivated');
    expect((await fixture.adminClient.post(`/api/v1/users/${support.id}/activate`)).body.status).toBe('active');
  });
});

describe('seats', () => {
  it('counts active non-internal users, frees a seat on deactivation and refuses the one too many', async () => {
    const small = await createLicence(test, { seatLimit: 2 });
    const licence = await small.adminClient.get('/api/v1/licence');
    expect(licence.body).toMatchObject({ seatLimit: 2, seatsUsed: 1, twoFactor: false });

    const second = await small.adminClient.post('/api/v1/users', newUser(small));
    expect(second.status).toBe(201);
    const third = await small.adminClient.post('/api/v1/users', newUser(small));
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('seat_limit_reached');

    // Vendor staff never take a seat.
    const team = await test.operator.post(`/operator/v1/licences/${small.code}/users`, newUser(small, { configurationId: configurationId(small, 'team') }));
    expect(team.status).toBe(201);
    expect(team.body.internal).toBe(true);

    await small.adminClient.post(`/api/v1/users/${second.body.id}/deactivate`);
    const fourth = await small.adminClient.post('/api/v1/users', newUser(small));
    expect(fourth.status).toBe(201);
    const reactivate = await small.adminClient.post(`/api/v1/users/${second.body.id}/activate`);
    expect(reactivate.status).toBe(409);
    expect(reactivate.body.code).toBe('seat_limit_reached');
  });
});

describe('passwords reset by an admin', () => {
  it('stops the current password at once, ends sessions and e-mails a link', async () => {
    const input = newUser(fixture);
    const created = await fixture.adminClient.post('/api/v1/users', input);
    const user = await signIn(test, fixture.code, input);
    expect((await fixture.adminClient.post(`/api/v1/users/${created.body.id}/password-reset`)).status).toBe(202);
    expect((await user.get('/api/v1/me')).status).toBe(401);
    expect((await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: input.login, password: TEST_PASSWORD })).status).toBe(401);
    const messages = await test.messagesTo(input.email);
    expect(messages.at(-1)?.subject).toContain('Reset');
    await signIn(test, fixture.code, input, 'a brand new passphrase');
  });

  it('resets every active non-internal user, and the acting admin keeps the session', async () => {
    const licence = await createLicence(test);
    const input = newUser(licence);
    await licence.adminClient.post('/api/v1/users', input);
    const answer = await licence.adminClient.post('/api/v1/users/password-reset', { currentPassword: TEST_PASSWORD });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ count: 2 });
    expect((await licence.adminClient.get('/api/v1/me')).status).toBe(200);
    expect((await test.anonymous().post('/api/v1/auth/login', { licence: licence.code, login: 'admin', password: TEST_PASSWORD })).status).toBe(401);
    expect((await test.messagesTo(input.email)).at(-1)?.subject).toContain('Reset');
  });
});

describe('permissions', () => {
  it('keeps the users app to configurations with user management', async () => {
    const input = newUser(fixture, { configurationId: configurationId(fixture, 'advanced-user') });
    await fixture.adminClient.post('/api/v1/users', input);
    const user = await signIn(test, fixture.code, input);
    const answer = await user.get('/api/v1/users');
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe('forbidden');
    expect((await user.get('/api/v1/entity-groups')).status).toBe(200);
  });
});
