import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/client.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { HttpClient } from '../support/http.ts';
import { onPostgres } from '../support/database.ts';
import { createLicence, newUser, signIn, startTestApp, TEST_PASSWORD, TEST_SECRET_KEY, type LicenceFixture, type TestApp } from '../support/app.ts';

// Two server processes behind one load balancer share one PostgreSQL: failures counted by one must
// lock the account on the other. An embedded PGlite database belongs to a single process, so this
// holds on PostgreSQL only (run the suite with TEST_DATABASE_URL).

describe.skipIf(!onPostgres)('a lock-out, with two servers on one PostgreSQL', () => {
  let first: TestApp;
  let secondDatabase: DatabaseHandle;
  let second: App;
  let secondUrl: string;
  let fixture: LicenceFixture;

  beforeAll(async () => {
    first = await startTestApp();
    // The second server has a connection pool and a process state of its own, as another process would.
    secondDatabase = await openDatabase({ kind: 'postgres', url: first.database.url! });
    // The same secret key, as every process of a fleet has (it opens the keys that sign tokens).
    const config = loadConfig({ GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn', GATEHOUSE_SECRET_KEY: TEST_SECRET_KEY });
    const discard = { send: async () => undefined };
    second = await buildApp({ config, database: secondDatabase, logger: createLogger('warn'), transports: { email: discard, sms: discard }, serveConsole: false });
    secondUrl = await second.server.listen({ port: 0, host: '127.0.0.1' });
    fixture = await createLicence(first);
  });
  afterAll(async () => {
    await second.close();
    await secondDatabase.close();
    await first.close();
  });

  it('is shared: failures on one server lock the account on the other, and a success on either resets it', async () => {
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    await signIn(first, fixture.code, input);
    const servers = [first.anonymous(), new HttpClient(secondUrl)];
    const attempt = (server: HttpClient, password: string) => server.post('/api/v1/auth/login', { licence: fixture.code, login: input.login, password });

    for (let i = 0; i < 4; i++) expect((await attempt(servers[i % 2]!, 'wrong password!!')).status).toBe(401);
    expect((await attempt(servers[1]!, TEST_PASSWORD)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await attempt(servers[i % 2]!, 'wrong password!!')).status).toBe(401);
    for (const server of servers) {
      const locked = await attempt(server, TEST_PASSWORD);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(50);
    }
  });

  it('counts a burst split over both servers once', async () => {
    const input = newUser(fixture);
    await fixture.adminClient.post('/api/v1/users', input);
    await signIn(first, fixture.code, input);
    const servers = [first.anonymous(), new HttpClient(secondUrl)];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => servers[i % 2]!.post('/api/v1/auth/login', { licence: fixture.code, login: input.login, password: `guess ${i}` })),
    );
    expect(answers.filter((a) => a.status === 401)).toHaveLength(5);
  });
});
