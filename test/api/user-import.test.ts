import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, signIn, startTestApp, TEST_PASSWORD, unique, type LicenceFixture, type TestApp } from '../support/app.ts';

// CSV export and import of users: the file's columns, the dry run's report, all or nothing, the
// licence's rules (seats, ceiling, two-factor, unique logins) and the files that are refused.

let test: TestApp;
let fixture: LicenceFixture;

const HEADER = 'login,firstName,lastName,email,mobile,language,gender,configuration,entityGroup,defaultEntity';
const BOM = '\uFEFF';

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test, { seatLimit: 50 });
  // A second entity: its own group lies outside the admin's group (Main), so beyond their ceiling.
  const second = await test.operator.post(`/operator/v1/licences/${fixture.code}/entities`, { code: 'second', name: 'Second' });
  expect(second.status).toBe(201);
});
afterAll(() => test.close());

const importCsv = (client: LicenceFixture['adminClient'], csv: string, dryRun: boolean) =>
  client.request('POST', `/api/v1/users/import?dryRun=${dryRun}`, csv, { 'content-type': 'text/csv' });

const logins = async (licence: LicenceFixture, query = '') =>
  (await licence.adminClient.get(`/api/v1/users?limit=500${query}`)).body.items.map((user: { login: string }) => user.login) as string[];

/** A cookie session of the admin for requests the test client cannot send: raw bytes and streams. */
async function rawSession(licence: LicenceFixture) {
  const answer = await fetch(`${test.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ licence: licence.code, login: 'admin', password: TEST_PASSWORD }),
  });
  const { csrfToken } = (await answer.json()) as { csrfToken: string };
  const cookie = answer.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  return {
    get: (path: string) => fetch(`${test.url}${path}`, { headers: { cookie } }),
    importCsv: (body: RequestInit['body'], init: RequestInit = {}) =>
      fetch(`${test.url}/api/v1/users/import?dryRun=true`, { method: 'POST', headers: { 'content-type': 'text/csv', cookie, 'x-csrf-token': csrfToken }, body, ...init }),
  };
}

/** Parses the export's simple CSV (quoted cells without line breaks). */
function cellsOf(line: string): string[] {
  const cells: string[] = [];
  const pattern = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(line)) !== null) {
    const raw = match[1] ?? '';
    cells.push(raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw);
    if (match[2] === '') break;
  }
  return cells;
}

describe('exporting users', () => {
  it('answers a UTF-8 CSV attachment with a byte order mark, in the import’s columns, formulas neutralised', async () => {
    const login = unique('formula');
    const created = await fixture.adminClient.post(
      '/api/v1/users',
      newUser(fixture, { login, email: `${login}@example.com`, firstName: `=HYPERLINK("http://evil.example")`, lastName: 'Dupont, "Jr"', mobile: '+33611223344', gender: 'female', language: 'fr' }),
    );
    expect(created.status).toBe(201);
    const answer = await (await rawSession(fixture)).get(`/api/v1/users/export?q=${login}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="users-active\.csv"$/);
    const bytes = Buffer.from(await answer.arrayBuffer());
    // The byte order mark EF BB BF, so spreadsheet programs read the accents as UTF-8.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, row, ...rest] = bytes.subarray(3).toString('utf8').trim().split(/\r?\n/);
    expect(header).toBe(HEADER);
    expect(rest).toEqual([]);
    expect(cellsOf(row ?? '')).toEqual([login, `'=HYPERLINK("http://evil.example")`, 'Dupont, "Jr"', `${login}@example.com`, `'+33611223344`, 'fr', 'female', 'user', 'Main', 'main']);
  });

  it('follows the list: its tab and its search, every page, never the support account', async () => {
    const prefix = unique('pager').toLowerCase();
    for (let index = 0; index < 3; index += 1) {
      expect((await fixture.adminClient.post('/api/v1/users', newUser(fixture, { login: `${prefix}-${index}` }))).status).toBe(201);
    }
    const users = (await fixture.adminClient.get(`/api/v1/users?q=${prefix}`)).body.items as { id: string; login: string }[];
    await fixture.adminClient.post(`/api/v1/users/${users[2]?.id}/deactivate`);
    const rowsOf = async (query: string) => {
      const text = (await fixture.adminClient.get(`/api/v1/users/export?${query}`)).body as string;
      return text.trim().split(/\r?\n/).slice(1).map((line) => cellsOf(line)[0]);
    };
    expect(await rowsOf(`q=${prefix}`)).toEqual([`${prefix}-0`, `${prefix}-1`]);
    expect(await rowsOf(`status=deactivated&q=${prefix}`)).toEqual([`${prefix}-2`]);
    const all = await rowsOf('');
    expect(all).not.toContain('support');
    expect(all).toContain('admin');
    expect(all).toEqual([...all].sort((a, b) => (a ?? '').toLowerCase().localeCompare((b ?? '').toLowerCase())));
  });

  it('needs the view permission and a valid query', async () => {
    expect((await test.anonymous().get('/api/v1/users/export')).status).toBe(401);
    const bad = await fixture.adminClient.get('/api/v1/users/export?status=gone');
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('status');
  });
});

describe('the dry run', () => {
  it('reports each row, created or refused with the column, a stable code and a message, and changes nothing', async () => {
    const taken = unique('taken');
    expect((await fixture.adminClient.post('/api/v1/users', newUser(fixture, { login: taken }))).status).toBe(201);
    const ok = unique('ok');
    const twin = unique('twin');
    const csv = [
      // French spreadsheets: `;` between cells, accents in UTF-8, headers as people type them.
      'Login;First name;Last name;E-mail;Mobile;Language;Gender;Configuration;Entity group;Default entity',
      `${ok};Élodie;Lefèvre;${ok}@example.com;'+33611223344;fr;female;reviewer;Main;main`,
      `bad-mail;Ann;Lee;not-an-address;0612;en;;user;Main;`,
      `unknowns;Ann;Lee;unknowns@example.com;;en;;nope;Nowhere;`,
      `vendor-only;Ann;Lee;vendor@example.com;;en;;admin;Main;`,
      `beyond;Ann;Lee;beyond@example.com;;en;;user;Second;`,
      `wrong-entity;Ann;Lee;wrong@example.com;;en;;user;Main;second`,
      `${taken.toUpperCase()};Ann;Lee;taken@example.com;;en;;user;Main;`,
      `${twin};Ann;Lee;twin1@example.com;;en;;User;main;`,
      `${twin.toUpperCase()};Ann;Lee;twin2@example.com;;xx;;user;Main;`,
    ].join('\r\n');
    const before = await logins(fixture);
    const answer = await importCsv(fixture.adminClient, csv, true);
    expect(answer.status).toBe(200);
    const byLine = new Map<number, { login: string; outcome: string; errors: { field: string; code: string }[] }>(answer.body.rows.map((row: { line: number }) => [row.line, row]));
    const codes = (line: number) => byLine.get(line)?.errors.map((error) => `${error.field}:${error.code}`);
    expect(byLine.get(2)).toMatchObject({ login: ok, outcome: 'create', errors: [] });
    expect(codes(3)).toEqual(['email:invalid_format', 'mobile:invalid_format']);
    expect(codes(4)).toEqual(['configuration:not_found', 'entityGroup:not_found']);
    expect(codes(5)).toEqual(['configuration:not_assignable']);
    expect(codes(6)).toEqual(['entityGroup:exceeds_own_rights']);
    expect(codes(7)).toEqual(['defaultEntity:not_in_group']);
    expect(codes(8)).toEqual(['login:login_taken']);
    // The configuration by its name and the group by its entity's code are taken too.
    expect(byLine.get(9)).toMatchObject({ outcome: 'create' });
    expect(codes(10)).toEqual(['language:invalid_value', 'login:duplicate_in_file']);
    expect(answer.body.summary).toEqual({ create: 2, refused: 7 });
    for (const row of answer.body.rows) for (const error of row.errors) expect(error.message).toEqual(expect.any(String));
    expect(await logins(fixture)).toEqual(before);
    expect(await test.messagesTo(`${ok}@example.com`)).toEqual([]);
  });

  it('refuses a row without a mobile while the licence has two-factor on', async () => {
    const secure = await createLicence(test, { twoFactor: false });
    await test.operator.patch(`/operator/v1/licences/${secure.code}`, { twoFactor: true });
    const answer = await importCsv(secure.adminClient, `${HEADER}\nnomobile,Ann,Lee,nomobile@example.com,,en,,user,Main,\nwithmobile,Ann,Lee,withmobile@example.com,+33611223355,en,,user,Main,`, true);
    expect(answer.status).toBe(200);
    expect(answer.body.rows.map((row: { errors: { field: string; code: string }[] }) => row.errors.map((e) => `${e.field}:${e.code}`))).toEqual([['mobile:required_when_two_factor'], []]);
  });

  it('refuses the rows beyond the seat limit, the first ones being taken', async () => {
    // The admin holds one of the three seats.
    const small = await createLicence(test, { seatLimit: 3 });
    const rows = ['a1', 'a2', 'a3', 'a4'].map((login) => `${login},Ann,Lee,${login}@example.com,,en,,user,Main,`);
    const answer = await importCsv(small.adminClient, [HEADER, `bad,Ann,Lee,nope,,en,,user,Main,`, ...rows].join('\n'), true);
    expect(answer.body.rows.map((row: { login: string; outcome: string }) => `${row.login}:${row.outcome}`)).toEqual(['bad:refused', 'a1:create', 'a2:create', 'a3:refused', 'a4:refused']);
    expect(answer.body.rows[3].errors).toEqual([{ field: 'row', code: 'seat_limit_reached', message: expect.stringContaining('3') }]);
    const applied = await importCsv(small.adminClient, [HEADER, ...rows].join('\n'), false);
    expect(applied.status).toBe(422);
    expect(await logins(small)).toEqual(['admin', 'support']);
  });
});

describe('applying an import', () => {
  it('creates every row in one go, with welcome e-mails through the outbox and a user.create event each', async () => {
    const people = [unique('imp'), unique('imp')];
    const csv = [HEADER, ...people.map((login, index) => `${login},Zoë,Ñúñez,${login}@example.com,,${index === 0 ? 'fr' : 'en'},male,advanced-user,Main,main`)].join('\n');
    const answer = await importCsv(fixture.adminClient, BOM + csv, false);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ created: 2, summary: { create: 2, refused: 0 } });
    for (const login of people) {
      const [user] = (await fixture.adminClient.get(`/api/v1/users?q=${login}`)).body.items;
      expect(user).toMatchObject({ login, firstName: 'Zoë', lastName: 'Ñúñez', gender: 'male', status: 'active', configuration: { name: 'Advanced user' }, defaultEntity: { code: 'main' } });
    }
    const [french] = await test.messagesTo(`${people[0]}@example.com`);
    expect(french?.subject).toContain('Votre compte');
    expect(french?.text).toMatch(/\/reset-password\?token=/);
    expect(await test.messagesTo(`${people[1]}@example.com`)).toHaveLength(1);
    const trail = (await fixture.adminClient.get('/api/v1/audit-events?limit=10')).body.items as { action: string; target: { name: string }; actor: { name: string } }[];
    const created = trail.filter((event) => event.action === 'user.create').map((event) => event.target.name);
    expect(created).toEqual(expect.arrayContaining(people));
  });

  it('creates nothing when any row is refused, and answers 422 with the report', async () => {
    const good = unique('good');
    const csv = [HEADER, `${good},Ann,Lee,${good}@example.com,,en,,user,Main,`, `bad-one,Ann,Lee,nope,,en,,user,Main,`].join('\n');
    const before = await logins(fixture);
    const answer = await importCsv(fixture.adminClient, csv, false);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'validation_failed', summary: { create: 1, refused: 1 } });
    expect(answer.body.rows[1]).toMatchObject({ line: 3, outcome: 'refused', errors: [{ field: 'email', code: 'invalid_format' }] });
    expect(await logins(fixture)).toEqual(before);
    expect(await test.messagesTo(`${good}@example.com`)).toEqual([]);
  });

  it('needs the user management permissions and the CSRF token', async () => {
    const input = newUser(fixture);
    expect((await fixture.adminClient.post('/api/v1/users', input)).status).toBe(201);
    // A plain User has no user management: neither import nor export.
    const plain = await signIn(test, fixture.code, input);
    expect((await importCsv(plain, `${HEADER}\n`, true)).status).toBe(403);
    expect((await plain.get('/api/v1/users/export')).status).toBe(403);
    const noCsrf = fixture.adminClient.cloneCookies();
    noCsrf.csrfToken = null;
    expect((await importCsv(noCsrf, `${HEADER}\n`, true)).status).toBe(403);
  });
});

describe('bad files', () => {
  const problemOf = async (answer: Response) => ({ status: answer.status, body: (await answer.json()) as { code: string; detail: string; errors?: { field: string; code: string }[] } });

  it('refuses a file that is not UTF-8, naming the encoding', async () => {
    const send = (await rawSession(fixture)).importCsv;
    const latin1 = Buffer.from(`${HEADER}\nfrancois,François,Lefèvre,f@example.com,,fr,,user,Main,\n`, 'latin1');
    const { status, body } = await problemOf(await send(latin1));
    expect(status).toBe(422);
    expect(body.errors).toEqual([{ field: 'file', code: 'invalid_encoding', message: expect.stringContaining('UTF-8') }]);
  });

  it('names the missing columns', async () => {
    const answer = await importCsv(fixture.adminClient, 'login,firstName,mobile\nx,y,\n', true);
    expect(answer.status).toBe(422);
    expect(answer.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`)).toEqual([
      'lastName:missing_column',
      'email:missing_column',
      'language:missing_column',
      'configuration:missing_column',
      'entityGroup:missing_column',
    ]);
    expect(answer.body.detail).toContain('lastName, email, language, configuration, entityGroup');
  });

  it('refuses an empty file and a header without rows', async () => {
    for (const csv of ['', '  \n', `${HEADER}\n`]) {
      const answer = await importCsv(fixture.adminClient, csv, true);
      expect(answer.status).toBe(422);
      expect(answer.body.errors).toEqual([{ field: 'file', code: 'empty', message: expect.any(String) }]);
    }
  });

  it('refuses CSV it cannot read', async () => {
    const answer = await importCsv(fixture.adminClient, `${HEADER}\n"unclosed,Ann,Lee\n`, true);
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0]).toMatchObject({ field: 'file', code: 'malformed_csv' });
  });

  it('refuses 50 MB with 413 before reading it, by its length or as it streams in', async () => {
    const send = (await rawSession(fixture)).importCsv;
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const declared = await problemOf(await send(Buffer.concat(Array.from({ length: 50 }, () => chunk))));
    expect(declared.status).toBe(413);
    expect(declared.body.detail).toBe('The body may hold at most 10 MB');
    // Without a length (chunked), the server stops at the limit.
    let sent = 0;
    const stream = Readable.from((function* () {
      for (let i = 0; i < 50; i += 1) {
        sent += chunk.length;
        yield chunk;
      }
    })());
    const streamed = await send(Readable.toWeb(stream) as ReadableStream, { duplex: 'half' } as RequestInit).catch((error: unknown) => error);
    if (streamed instanceof Response) expect(streamed.status).toBe(413);
    else expect(sent).toBeLessThan(50 * chunk.length);
    expect((await fixture.adminClient.get('/healthz')).status).toBe(200);
  });

  it('keeps refusing CSV on every other route', async () => {
    const answer = await fixture.adminClient.request('POST', '/api/v1/users', `${HEADER}\n`, { 'content-type': 'text/csv' });
    expect(answer.status).toBe(415);
  });
});

describe('a round trip', () => {
  it('imports the export of one licence into another as it was', async () => {
    const source = await createLicence(test);
    const people = [unique('trip'), unique('trip')];
    for (const [index, login] of people.entries()) {
      const input = newUser(source, { login, firstName: index === 0 ? '@Zoë' : 'Hélène', lastName: 'Müller; Sr', mobile: '+33611223366', gender: 'unspecified', language: 'fr' });
      expect((await source.adminClient.post('/api/v1/users', input)).status).toBe(201);
    }
    const exported = (await source.adminClient.get('/api/v1/users/export')).body as string;
    // The admin is in the target already: their row is the one refused, so it is taken out.
    const file = exported.split(/\r?\n/).filter((line) => !line.startsWith('admin,')).join('\n');
    const target = await createLicence(test);
    const dry = await importCsv(target.adminClient, file, true);
    expect(dry.body.summary).toEqual({ create: 2, refused: 0 });
    expect((await importCsv(target.adminClient, file, false)).status).toBe(201);
    const shape = (user: Record<string, any>) => ({ login: user.login, firstName: user.firstName, lastName: user.lastName, email: user.email, mobile: user.mobile, gender: user.gender, language: user.language, configuration: user.configuration.name, defaultEntity: user.defaultEntity.code });
    for (const login of people) {
      const [was] = (await source.adminClient.get(`/api/v1/users?q=${login}`)).body.items;
      const [is] = (await target.adminClient.get(`/api/v1/users?q=${login}`)).body.items;
      expect(shape(is)).toEqual(shape(was));
    }
  });
});
