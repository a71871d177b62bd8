import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkToken } from '../support/app.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.ts';
import { HttpClient } from '../support/http.ts';
import { startServerProcess, type ServerProcess } from '../support/process.ts';
import { until } from '../support/wait.ts';

// Two server processes on one PostgreSQL: a change made through one is reflected in the other's
// decisions and sessions within a second, and sign-in failures counted by one lock the other. (On PGlite there is one process; the same path runs in-process and the
// decisions tests cover it.)

const token = randomBytes(24).toString('hex');
let database: TestDatabase;
let a: ServerProcess;
let b: ServerProcess;
let admin: HttpClient;
let userId: string;
const code = 'consistency';

describe.skipIf(!onPostgres)('two server processes on one PostgreSQL', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url!, GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token, GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'), LOG_LEVEL: 'debug' };
    a = await startServerProcess(env);
    b = await startServerProcess(env);
    const operatorA = new HttpClient(a.url).withBearer(token);
    const created = await operatorA.post('/operator/v1/licences', {
      code,
      name: 'Consistency',
      seatLimit: 10,
      admin: { login: 'admin', firstName: 'Ada', lastName: 'Admin', email: 'admin@consistency.example', language: 'en' },
    });
    expect(created.status).toBe(201);
    const link = await until('the welcome link in a log', () => /reset-password\?token=([A-Za-z0-9_-]+)/.exec(a.output() + b.output())?.[1]);
    await new HttpClient(a.url).post('/api/v1/auth/password-reset/complete', { token: linkToken(`reset-password?token=${link}`), password: 'a long and secret passphrase' });
    admin = new HttpClient(a.url);
    const login = await admin.post('/api/v1/auth/login', { licence: code, login: 'admin', password: 'a long and secret passphrase' });
    admin.csrfToken = login.body.csrfToken;
    const configurations = (await admin.get('/api/v1/rights-configurations')).body;
    const groups = (await admin.get('/api/v1/entity-groups')).body;
    const user = await admin.post('/api/v1/users', {
      login: 'grace',
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'grace@consistency.example',
      language: 'en',
      configurationId: configurations.find((c: { key: string }) => c.key === 'user').id,
      entityGroupId: groups[0].id,
    });
    userId = user.body.id;
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  /** Asks process B until it answers `reason`; answers how long that took. */
  const seenByB = async (permission: string, reason: string, entity?: string) => {
    const operatorB = new HttpClient(b.url).withBearer(token);
    const started = Date.now();
    for (;;) {
      const answer = await operatorB.post('/operator/v1/authorize', { checks: [{ licence: code, userId, permission, ...(entity ? { entity } : {}) }] });
      if (answer.body.results[0].reason === reason) return Date.now() - started;
      if (Date.now() - started > 5_000) throw new Error(`B still answers ${answer.body.results[0].reason}, expected ${reason}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('reflects a deactivation, configuration change, group change, custom edit, subscription change and deletion within a second', async () => {
    const operatorA = new HttpClient(a.url).withBearer(token);
    expect(await seenByB('forms.forms.view', 'ok')).toBeLessThan(1000);

    await admin.post(`/api/v1/users/${userId}/deactivate`);
    expect(await seenByB('forms.forms.view', 'inactive_user')).toBeLessThan(1000);
    await admin.post(`/api/v1/users/${userId}/activate`);
    expect(await seenByB('forms.forms.view', 'ok')).toBeLessThan(1000);

    const configurations = (await admin.get('/api/v1/rights-configurations')).body;
    await admin.patch(`/api/v1/users/${userId}`, { configurationId: configurations.find((c: { key: string }) => c.key === 'reviewer').id });
    expect(await seenByB('forms.forms.view', 'not_in_configuration')).toBeLessThan(1000);

    const custom = await operatorA.post(`/operator/v1/licences/${code}/rights-configurations`, { name: 'Forms', permissions: ['forms'] });
    await admin.patch(`/api/v1/users/${userId}`, { configurationId: custom.body.id });
    expect(await seenByB('forms.forms.view', 'ok')).toBeLessThan(1000);
    await operatorA.put(`/operator/v1/licences/${code}/rights-configurations/${custom.body.id}`, { name: 'Forms', permissions: ['reporting'] });
    expect(await seenByB('forms.forms.view', 'not_in_configuration')).toBeLessThan(1000);
    await operatorA.put(`/operator/v1/licences/${code}/rights-configurations/${custom.body.id}`, { name: 'Forms', permissions: ['forms'] });

    const paris = await operatorA.post(`/operator/v1/licences/${code}/entities`, { code: 'paris', name: 'Paris' });
    expect(await seenByB('forms.forms.view', 'entity_not_in_group', 'paris')).toBeLessThan(1000);
    // An admin grants only within their own group: the vendor first widens the admin's to Paris too.
    const main = (await admin.get('/api/v1/entity-groups')).body[0].entities[0].id;
    const both = await operatorA.post(`/operator/v1/licences/${code}/entity-groups`, { name: 'Main and Paris', entityIds: [main, paris.body.id] });
    const adminId = (await admin.get('/api/v1/me')).body.id;
    expect((await operatorA.patch(`/operator/v1/licences/${code}/users/${adminId}`, { entityGroupId: both.body.id })).status).toBe(200);
    expect((await admin.patch(`/api/v1/users/${userId}`, { entityGroupId: paris.body.groupId })).status).toBe(200);
    expect(await seenByB('forms.forms.view', 'ok', 'paris')).toBeLessThan(1000);

    const licence = (await operatorA.get(`/operator/v1/licences/${code}`)).body;
    await operatorA.patch(`/operator/v1/licences/${code}`, { applications: licence.applications.filter((key: string) => key !== 'forms.forms') });
    expect(await seenByB('forms.forms.view', 'application_not_subscribed')).toBeLessThan(1000);
    await operatorA.patch(`/operator/v1/licences/${code}`, { applications: licence.applications });
    expect(await seenByB('forms.forms.view', 'ok')).toBeLessThan(1000);

    await admin.delete(`/api/v1/users/${userId}`);
    expect(await seenByB('forms.forms.view', 'unknown_user')).toBeLessThan(1000);
  });

  it('ends, on every process, a session another process deactivated — even one just used there', async () => {
    const configurations = (await admin.get('/api/v1/rights-configurations')).body;
    const groups = (await admin.get('/api/v1/entity-groups')).body;
    const created = await admin.post('/api/v1/users', {
      login: 'ada',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@consistency.example',
      language: 'en',
      configurationId: configurations.find((c: { key: string }) => c.key === 'user').id,
      entityGroupId: groups.find((g: { name: string }) => g.name === 'Main').id,
    });
    const link = await new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const look = () => {
        const found = [...(a.output() + b.output()).matchAll(/ada@consistency\.example[^\n]*reset-password\?token=([A-Za-z0-9_-]+)/g)].at(-1)?.[1];
        if (found) resolve(found);
        else if (Date.now() - started > 5_000) reject(new Error('no welcome link'));
        else setTimeout(look, 50);
      };
      look();
    });
    await new HttpClient(a.url).post('/api/v1/auth/password-reset/complete', { token: link, password: 'a long and secret passphrase' });
    const signedIn = await new HttpClient(b.url).post('/api/v1/auth/login', { licence: code, login: 'ada', password: 'a long and secret passphrase' });
    const onB = new HttpClient(b.url).withBearer(/gatehouse_session=([^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')![1]!);
    expect((await onB.get('/api/v1/me')).status).toBe(200);

    await admin.post(`/api/v1/users/${created.body.id}/deactivate`);
    const started = Date.now();
    while ((await onB.get('/api/v1/me')).status !== 401) {
      expect(Date.now() - started).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('shares a sign-in lock-out between the processes', async () => {
    const attempt = (server: ServerProcess, password: string) => new HttpClient(server.url).post('/api/v1/auth/login', { licence: code, login: 'locked-out', password });
    for (let i = 0; i < 5; i++) expect((await attempt(i % 2 === 0 ? a : b, 'not the password')).status).toBe(401);
    const onA = await attempt(a, 'still not the password');
    const onB = await attempt(b, 'still not the password');
    expect([onA.status, onB.status]).toEqual([429, 429]);
    expect(Number(onB.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('reloads everything when its listening connection was cut and changes may have been missed', async () => {
    const configurations = (await admin.get('/api/v1/rights-configurations')).body;
    const groups = (await admin.get('/api/v1/entity-groups')).body;
    const created = await admin.post('/api/v1/users', {
      login: 'linus',
      firstName: 'Linus',
      lastName: 'Torvalds',
      email: 'linus@consistency.example',
      language: 'en',
      configurationId: configurations.find((c: { key: string }) => c.key === 'user').id,
      entityGroupId: groups.find((g: { name: string }) => g.name === 'Main').id,
    });
    userId = created.body.id;
    expect(await seenByB('forms.forms.view', 'ok')).toBeLessThan(1000);

    // Cut every listening connection, then change while nobody listens.
    const client = new pg.Client({ connectionString: database.url! });
    await client.connect();
    await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'");
    await admin.post(`/api/v1/users/${userId}/deactivate`);
    await client.end();
    expect(await seenByB('forms.forms.view', 'inactive_user')).toBeLessThan(3000);
  });
});
