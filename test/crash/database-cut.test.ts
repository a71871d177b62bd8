import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.ts';
import { HttpClient, type HttpAnswer } from '../support/http.ts';
import { startServerProcess, type ServerProcess } from '../support/process.ts';
import { until } from '../support/wait.ts';

// Two server processes under load while every connection to their database is cut and new ones are
// refused for a while: requests in flight are answered 503 with a problem document, /readyz says
// so, and once the database takes connections again both serve without a restart and hear each
// other's changes (their LISTEN connections are back).

const token = randomBytes(24).toString('hex');
const code = 'cut';
let database: TestDatabase;
let a: ServerProcess;
let b: ServerProcess;
let admin: pg.Client;
let userId: string;
let databaseName: string;

const readiness = (server: ServerProcess) => fetch(`${server.url}/readyz`).then((r) => r.status);

describe.skipIf(!onPostgres)('database connections cut under load', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url!, GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token, GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'), LOG_LEVEL: 'fatal' };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    const created = await new HttpClient(a.url).withBearer(token).post('/operator/v1/licences', {
      code,
      name: 'Cut',
      seatLimit: 10,
      admin: { login: 'admin', firstName: 'Ada', lastName: 'Admin', email: 'admin@cut.example', language: 'en' },
    });
    expect(created.status).toBe(201);
    userId = created.body.admin.id;
    // The cut is made from another database of the server: a database cannot refuse connections to itself.
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    databaseName = new URL(database.url!).pathname.slice(1);
  });

  afterAll(async () => {
    if (databaseName) await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(databaseName)} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin?.end();
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  /** Asks process B until it answers `reason`. */
  const seenByB = (reason: string, deadlineMs: number) =>
    until(
      `B answering ${reason}`,
      async () => {
        const answer = await new HttpClient(b.url).withBearer(token).post('/operator/v1/authorize', { checks: [{ licence: code, userId, permission: 'forms.forms.view' }] });
        return answer.status === 200 && answer.body.results[0].reason === reason;
      },
      deadlineMs,
    );

  it('answers 503 problems while the database is away, reports it on /readyz, and recovers by itself with change notifications', async () => {
    await seenByB('ok', 5_000);
    const answers: { at: number; answer: HttpAnswer | Error }[] = [];
    let loading = true;
    // Reads, writes in a transaction and decisions, on both processes, eight at a time.
    const load = Array.from({ length: 8 }, async (_, worker) => {
      const operator = new HttpClient((worker % 2 === 0 ? a : b).url).withBearer(token);
      for (let i = 0; loading; i++) {
        const request =
          i % 3 === 0
            ? operator.get('/operator/v1/licences')
            : i % 3 === 1
              ? operator.patch(`/operator/v1/licences/${code}`, { name: `Cut ${worker}-${i}` })
              : operator.post('/operator/v1/authorize', { checks: [{ licence: code, userId, permission: 'forms.forms.view' }] });
        answers.push({ at: Date.now(), answer: await request.catch((error: Error) => error) });
      }
    });
    await until('answers under load', () => answers.length > 50, 15_000);

    // New connections refused, then every open one terminated: an outage lasting until we end it.
    await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(databaseName)} ALLOW_CONNECTIONS false`);
    const cutAt = Date.now();
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [databaseName]);
    await until('both processes unready', async () => (await readiness(a)) === 503 && (await readiness(b)) === 503, 10_000);
    await until('refused requests', () => answers.some(({ at, answer }) => at > cutAt && !(answer instanceof Error) && answer.status === 503), 10_000);

    await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(databaseName)} ALLOW_CONNECTIONS true`);
    const backAt = Date.now();
    await until('both processes ready again', async () => (await readiness(a)) === 200 && (await readiness(b)) === 200, 10_000);
    await until('requests served again', () => answers.filter(({ at, answer }) => at > backAt && !(answer instanceof Error) && answer.status === 200).length > 20, 10_000);
    loading = false;
    await Promise.all(load);

    // Every answer was served or refused as unavailable, never an error or a dropped connection.
    const refused = answers.filter(({ answer }) => !(answer instanceof Error) && answer.status === 503);
    expect(answers.filter(({ answer }) => answer instanceof Error || ![200, 503].includes(answer.status)).map(({ answer }) => (answer instanceof Error ? answer.message : `${answer.status} ${JSON.stringify(answer.body)}`))).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    for (const { answer } of refused) {
      expect((answer as HttpAnswer).headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((answer as HttpAnswer).body).toMatchObject({ status: 503, code: 'database_unavailable' });
    }

    // A change made through A is heard by B: first, B may have reloaded everything when its LISTEN
    // connection came back; the second change can only reach it through the notification.
    const operatorA = new HttpClient(a.url).withBearer(token);
    const licence = (await operatorA.get(`/operator/v1/licences/${code}`)).body;
    expect((await operatorA.patch(`/operator/v1/licences/${code}`, { applications: licence.applications.filter((key: string) => key !== 'forms.forms') })).status).toBe(200);
    await seenByB('application_not_subscribed', 5_000);
    expect((await operatorA.patch(`/operator/v1/licences/${code}`, { applications: licence.applications })).status).toBe(200);
    await seenByB('ok', 1_000);
  });
});
