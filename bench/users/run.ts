// Users list and search through HTTP on a licence of 100,000 users, on PGlite and on PostgreSQL.
//   node --import tsx bench/users/run.ts [--users 100000] [--requests 300] [--database pglite|postgres]
// PostgreSQL is taken from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
// in a scratch database created and dropped by the run.
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

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '300' },
    database: { type: 'string', default: 'both' },
  },
});
const USERS = Number(values.users);
const REQUESTS = Number(values.requests);

const FIRST = ['Alice', 'Bruno', 'Chloé', 'David', 'Emma', 'Farid', 'Gabriel', 'Hugo', 'Inès', 'Jules', 'Karim', 'Léa', 'Manon', 'Nathan', 'Océane', 'Paul'];
const LAST = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefebvre', 'Michel'];

async function scratchPostgres(): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  const scratch = await createScratchDatabase();
  const handle = await openDatabase({ kind: 'postgres', url: scratch.url });
  return {
    handle,
    drop: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function run(kind: 'pglite' | 'postgres') {
  const { handle, drop } = kind === 'pglite' ? await (async () => { const h = await openPglite(null); return { handle: h, drop: () => h.close() }; })() : await scratchPostgres();
  await migrate(handle);
  const token = randomBytes(24).toString('hex');
  const sent: DeliverableMessage[] = [];
  const config = loadConfig({ GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token, GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn' });
  const app = await buildApp({ config, database: handle, logger: createLogger('warn'), serveConsole: false, transports: { email: { send: async (m) => void sent.push(m) }, sms: { send: async () => undefined } } });
  const base = await app.server.listen({ port: 0, host: '127.0.0.1' });

  const created = await fetch(`${base}/operator/v1/licences`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code: 'bench', name: 'Bench', seatLimit: USERS + 10, admin: { login: 'admin', firstName: 'Bench', lastName: 'Admin', email: 'admin@bench.example', language: 'en' } }),
  }).then((r) => r.json() as Promise<{ licence: { id: string }; admin: { configuration: { id: string }; entityGroup: { id: string }; defaultEntity: { id: string } } }>);

  // Users are loaded in bulk with SQL: the benchmark measures reading them, not 100,000 sign-ups.
  const started = Date.now();
  const { licence, admin } = created;
  const userConfiguration = await handle.db.execute(sql`SELECT id FROM rights_configurations WHERE licence_id = ${licence.id} AND key = 'user'`);
  const configurationId = (userConfiguration as unknown as { rows: { id: string }[] }).rows[0]!.id;
  for (let offset = 0; offset < USERS; offset += 10_000) {
    const count = Math.min(10_000, USERS - offset);
    await handle.db.execute(sql`
      INSERT INTO users (licence_id, id, login, first_name, last_name, email, language, status, configuration_id, entity_group_id, default_entity_id)
      SELECT ${licence.id}::uuid, gen_random_uuid(), 'user' || n,
        (${sql.raw(`ARRAY[${FIRST.map((f) => `'${f}'`).join(',')}]`)})[1 + n % ${FIRST.length}],
        (${sql.raw(`ARRAY[${LAST.map((l) => `'${l}'`).join(',')}]`)})[1 + (n / 7) % ${LAST.length}] || n % 97,
        'user' || n || '@customer' || n % 50 || '.example', 'fr',
        CASE WHEN n % 10 = 0 THEN 'deactivated' ELSE 'active' END,
        ${configurationId}::uuid, ${admin.entityGroup.id}::uuid, ${admin.defaultEntity.id}::uuid
      FROM generate_series(${offset + 1}::int, ${offset + count}::int) AS n`);
  }
  await handle.db.execute(sql`ANALYZE users`);
  const loadSeconds = (Date.now() - started) / 1000;

  await app.outbox.deliverDue();
  const link = /token=([A-Za-z0-9_-]+)/.exec(sent.find((m) => m.to === 'admin@bench.example')!.text)![1];
  await fetch(`${base}/api/v1/auth/password-reset/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: link, password: 'benchmark passphrase' }) });
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ licence: 'bench', login: 'admin', password: 'benchmark passphrase' }) });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;

  const measure = async (label: string, paths: () => string, onAnswer?: (body: { nextCursor: string | null }) => void) => {
    const times: number[] = [];
    let items = 0;
    for (let i = 0; i < REQUESTS + 20; i++) {
      const t0 = performance.now();
      const answer = await fetch(base + paths(), { headers: { cookie } });
      const body = (await answer.json()) as { items: unknown[]; nextCursor: string | null };
      onAnswer?.(body);
      if (answer.status !== 200) throw new Error(`${label}: ${answer.status} ${JSON.stringify(body)}`);
      if (i >= 20) {
        times.push(performance.now() - t0);
        items += body.items.length;
      }
    }
    times.sort((a, b) => a - b);
    return { query: label, median: percentile(times, 50).toFixed(2), p99: percentile(times, 99).toFixed(2), itemsPerPage: (items / REQUESTS).toFixed(1) };
  };

  let n = 0;
  const pick = <T>(list: T[]) => list[n++ % list.length]!;
  const rows = [];
  let cursor: string | null = null as string | null;
  rows.push(
    await measure('first page (50, active)', () => '/api/v1/users'),
    await measure(
      'next pages (50, active, cursor)',
      () => (cursor ? `/api/v1/users?cursor=${cursor}` : '/api/v1/users'),
      (body) => (cursor = body.nextCursor),
    ),
    await measure('deactivated tab (50)', () => '/api/v1/users?status=deactivated'),
    await measure('search prefix of a login (q=user12…)', () => `/api/v1/users?q=user${pick(['12', '345', '9876', '501'])}`),
    await measure('search infix of a name (q=ern, oreau…)', () => `/api/v1/users?q=${pick(['ern', 'oreau', 'efeb', 'ubois'])}`),
    await measure('search e-mail domain (q=customer17)', () => `/api/v1/users?q=customer${pick(['17', '3', '42'])}`),
    await measure('search rare infix (q=r99999)', () => `/api/v1/users?q=${pick(['r99999', 'r12345', 'r5555'])}`),
    await measure('search without match (q=zzqx)', () => '/api/v1/users?q=zzqx'),
  );
  // Show that a rare search is served by the trigram index, not a scan of the licence.
  const plan = await handle.db.execute(sql`
    EXPLAIN SELECT id FROM users
    WHERE licence_id = ${licence.id} AND status = 'active'
      AND lower(login || ' ' || first_name || ' ' || last_name || ' ' || email) LIKE '%r99999%'
    ORDER BY lower(login), id LIMIT 51`);
  const planText = (plan as unknown as { rows: Record<string, string>[] }).rows.map((row) => Object.values(row)[0]).join('\n');
  await app.close();
  await drop();
  return { kind, loadSeconds, rows, planText };
}

const kinds: ('pglite' | 'postgres')[] = values.database === 'both' ? ['pglite', 'postgres'] : [values.database as 'pglite' | 'postgres'];
console.log(`users: ${USERS}, requests per query: ${REQUESTS}, node ${process.version}, ${new Date().toISOString()}`);
for (const kind of kinds) {
  const result = await run(kind);
  console.log(`\n${kind} (loaded in ${result.loadSeconds.toFixed(1)} s) — latency in ms through HTTP`);
  console.table(result.rows);
  console.log(`plan of a rare infix search:\n${result.planText}`);
}
