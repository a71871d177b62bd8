// Resetting every password of a licence of 10,000 users, through HTTP, as an admin would:
// POST /api/v1/users/password-reset. One transaction; the e-mails are queued in the outbox.
//   node --import tsx bench/login/reset-all.ts [--users 10000] [--database pglite|postgres|both]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { openDatabase, openPglite, type DatabaseHandle } from '../../src/platform/db/client.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createScratchDatabase } from '../scratch-database.ts';
import type { DeliverableMessage } from '../../src/platform/messaging/transports.ts';
import { HttpClient } from '../../test/support/http.ts';

const { values } = parseArgs({ options: { users: { type: 'string', default: '10000' }, database: { type: 'string', default: 'both' } } });
const USERS = Number(values.users);

async function scratch(kind: 'pglite' | 'postgres'): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const handle = await openPglite(null);
    return { handle, drop: () => handle.close() };
  }
  const scratchDatabase = await createScratchDatabase();
  const handle = await openDatabase({ kind: 'postgres', url: scratchDatabase.url });
  return {
    handle,
    drop: async () => {
      await handle.close();
      await scratchDatabase.drop();
    },
  };
}

async function run(kind: 'pglite' | 'postgres') {
  const { handle, drop } = await scratch(kind);
  await migrate(handle);
  const token = randomBytes(24).toString('hex');
  const sent: DeliverableMessage[] = [];
  const config = loadConfig({ GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token, GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn', GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex') });
  const keep = { send: async (message: DeliverableMessage) => void sent.push(message) };
  const app = await buildApp({ config, database: handle, logger: createLogger('warn'), serveConsole: false, transports: { email: keep, sms: keep } });
  const base = await app.server.listen({ port: 0, host: '127.0.0.1' });
  try {
    const operator = new HttpClient(base).withBearer(token);
    const created = await operator.post('/operator/v1/licences', { code: 'bench', name: 'Bench', seatLimit: USERS + 10, admin: { login: 'admin', firstName: 'B', lastName: 'A', email: 'admin@bench.example', language: 'en' } });
    const { licence, admin } = created.body;
    await handle.db.execute(sql`
      INSERT INTO users (licence_id, id, login, first_name, last_name, email, language, configuration_id, entity_group_id, default_entity_id)
      SELECT ${licence.id}::uuid, gen_random_uuid(), 'user' || n, 'First', 'Last', 'user' || n || '@bench.example', CASE WHEN n % 2 = 0 THEN 'fr' ELSE 'en' END,
        (SELECT id FROM rights_configurations WHERE licence_id = ${licence.id}::uuid AND key = 'user'), ${admin.entityGroup.id}::uuid, ${admin.defaultEntity.id}::uuid
      FROM generate_series(1, ${USERS - 1}::int) AS n`);
    await app.outbox.deliverDue();
    const link = /token=([A-Za-z0-9_-]+)/.exec(sent.find((m) => m.to === 'admin@bench.example')!.text)![1];
    const client = new HttpClient(base);
    await client.post('/api/v1/auth/password-reset/complete', { token: link, password: 'benchmark passphrase' });
    const login = await client.post('/api/v1/auth/login', { licence: 'bench', login: 'admin', password: 'benchmark passphrase' });
    client.csrfToken = login.body.csrfToken;

    const started = performance.now();
    const answer = await client.post('/api/v1/users/password-reset', { currentPassword: 'benchmark passphrase' });
    const resetMs = performance.now() - started;
    if (answer.status !== 202) throw new Error(JSON.stringify(answer.body));
    const queued = await handle.db.execute(sql`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`);
    const deliveredStart = performance.now();
    const delivered = await app.outbox.deliverDue();
    const deliverMs = performance.now() - deliveredStart;
    return { kind, users: answer.body.count, resetSeconds: (resetMs / 1000).toFixed(2), emailsQueued: (queued as unknown as { rows: { n: number }[] }).rows[0]!.n, deliveredThroughOutbox: delivered, deliverSeconds: (deliverMs / 1000).toFixed(2) };
  } finally {
    await app.close();
    await drop();
  }
}

const kinds: ('pglite' | 'postgres')[] = values.database === 'both' ? ['pglite', 'postgres'] : [values.database as 'pglite' | 'postgres'];
console.log(`reset every password of a licence, node ${process.version}, ${new Date().toISOString()}`);
const rows = [];
for (const kind of kinds) rows.push(await run(kind));
console.table(rows);
