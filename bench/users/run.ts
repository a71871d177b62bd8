// Users list and search through HTTP on a licence of many users, on PGlite and on PostgreSQL.
//   node --expose-gc --import tsx bench/users/run.ts [--users 100000] [--licences 1] [--requests 300]
//     [--database pglite|postgres|both] [--plans FILE] [--snapshot]
// On PostgreSQL the same requests are measured twice: against the app in this process (their SQL
// caught for --plans), and against a server process of its own, compiled, as npm start runs it.
// --users is the total, spread evenly over --licences licences (rows interleaved, as sign-ups of many
// customers are); the requests are those of the first licence's admin. --plans writes the EXPLAIN
// (ANALYZE, BUFFERS) of the exact SQL each measured request ran (PostgreSQL). --snapshot times the
// build of the first licence's decision snapshot and records the heap it holds (--expose-gc for a
// clean measure). PostgreSQL is taken from BENCH_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test), in a scratch database created and dropped by the run.
import { randomBytes } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { compileLicenceSnapshot } from '../../src/core/decision.ts';
import { SnapshotCache } from '../../src/features/authorization/snapshots.ts';
import { loadSnapshotInput } from '../../src/features/authorization/store.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { openDatabase, openPglite, type DatabaseHandle } from '../../src/platform/db/client.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { startServerProcess } from '../../test/support/process.ts';
import { cpuMsOf } from '../process-cpu.ts';
import { createScratchDatabase } from '../scratch-database.ts';
import type { DeliverableMessage } from '../../src/platform/messaging/transports.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '300' },
    database: { type: 'string', default: 'both' },
    licences: { type: 'string', default: '1' },
    plans: { type: 'string' },
    snapshot: { type: 'boolean', default: false },
  },
});
const USERS = Number(values.users);
const REQUESTS = Number(values.requests);
const LICENCES = Number(values.licences);
const PER_LICENCE = Math.ceil(USERS / LICENCES);

// The exact SQL of the users list, caught on its way to PostgreSQL, so that the plans shown are those
// of what the API ran, parameters included (node-postgres sends every query through Client#query). A
// search runs several statements (the licence's size, the ids of the page, their rows): all are kept.
type CaughtQuery = { text: string; values: unknown[] };
let listQueries: CaughtQuery[] = [];
const clientQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const [config, params] = args as [string | { text?: string; values?: unknown[] }, unknown[] | undefined];
  const text = typeof config === 'string' ? config : config?.text;
  if (text !== undefined && !text.startsWith('EXPLAIN') && /from "users"/.test(text) && (/lower\("users"."login"\)/.test(text) || /"licence_users"/.test(text))) {
    listQueries.push({ text, values: (Array.isArray(params) ? params : typeof config === 'object' ? config.values : undefined) ?? [] });
  }
  return clientQuery.apply(this, args);
} as typeof pg.Client.prototype.query;

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const FIRST = ['Alice', 'Bruno', 'Chloé', 'David', 'Emma', 'Farid', 'Gabriel', 'Hugo', 'Inès', 'Jules', 'Karim', 'Léa', 'Manon', 'Nathan', 'Océane', 'Paul'];
const LAST = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefebvre', 'Michel'];

async function scratchPostgres(): Promise<{ handle: DatabaseHandle; url: string | null; drop: () => Promise<void> }> {
  const scratch = await createScratchDatabase();
  const handle = await openDatabase({ kind: 'postgres', url: scratch.url });
  return {
    handle,
    url: scratch.url,
    drop: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function run(kind: 'pglite' | 'postgres') {
  const { handle, url, drop } = kind === 'pglite' ? await (async () => { const h = await openPglite(null); return { handle: h, url: null, drop: () => h.close() }; })() : await scratchPostgres();
  // The scratch database goes, whatever happens: a failed run of millions of users leaves no gigabytes behind.
  try {
    return await measureOn(kind, handle, url);
  } finally {
    await drop();
  }
}

async function measureOn(kind: 'pglite' | 'postgres', handle: DatabaseHandle, url: string | null) {
  await migrate(handle);
  const token = randomBytes(24).toString('hex');
  // The same key for the server process measured beside this one (it opens the same signing keys).
  const secretKey = randomBytes(32).toString('hex');
  const sent: DeliverableMessage[] = [];
  const config = loadConfig({ GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token, GATEHOUSE_SECRET_KEY: secretKey, GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn' });
  const app = await buildApp({ config, database: handle, logger: createLogger('warn'), serveConsole: false, transports: { email: { send: async (m) => void sent.push(m) }, sms: { send: async () => undefined } } });
  const base = await app.server.listen({ port: 0, host: '127.0.0.1' });

  type Created = { licence: { id: string }; admin: { configuration: { id: string }; entityGroup: { id: string }; defaultEntity: { id: string } } };
  const createLicence = (code: string, email: string) =>
    fetch(`${base}/operator/v1/licences`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code, name: code, seatLimit: Math.min(1_000_000, PER_LICENCE + 10), admin: { login: 'admin', firstName: 'Bench', lastName: 'Admin', email, language: 'en' } }),
    }).then(async (r) => {
      if (r.status !== 201) throw new Error(`licence ${code}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<Created>;
    });
  const created = await createLicence('bench', 'admin@bench.example');
  // The other licences through the API too (4 at a time): each is a licence as an operator makes it.
  const others: Created[] = [];
  for (let i = 1; i < LICENCES; i += 4) {
    const codes = Array.from({ length: Math.min(4, LICENCES - i) }, (_, k) => `bench-${i + k}`);
    others.push(...(await Promise.all(codes.map((code) => createLicence(code, `admin@${code}.example`)))));
  }
  const { licence } = created;
  if (LICENCES > 1) log(`${LICENCES} licences created`);

  // Users are loaded in bulk with SQL: the benchmark measures reading them, not millions of sign-ups.
  const started = Date.now();
  const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;
  const targets = [];
  for (const { licence: l, admin: a } of [created, ...others]) {
    const [configuration] = rowsOf<{ id: string }>(await handle.db.execute(sql`SELECT id FROM rights_configurations WHERE licence_id = ${l.id} AND key = 'user'`));
    targets.push(`(${targets.length}, '${l.id}'::uuid, '${configuration!.id}'::uuid, '${a.entityGroup.id}'::uuid, '${a.defaultEntity.id}'::uuid)`);
  }
  // On PostgreSQL the secondary indexes are built after the load (faster than growing them row by
  // row), and the foreign-key triggers are off while the rows, consistent by construction, go in.
  const postgres = kind === 'postgres';
  const indexes = postgres
    ? rowsOf<{ name: string; definition: string }>(
        await handle.db.execute(sql`SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'users' AND indexname NOT IN (SELECT conname FROM pg_constraint)`),
      )
    : [];
  for (const index of indexes) await handle.db.execute(sql.raw(`DROP INDEX ${index.name}`));
  const batch = postgres ? 500_000 : 10_000;
  for (let offset = 0; offset < USERS; offset += batch) {
    const count = Math.min(batch, USERS - offset);
    // Row n goes to licence n % LICENCES as its (n / LICENCES + 1)th user: logins user1, user2… in each.
    const insert = sql`
      INSERT INTO users (licence_id, id, login, first_name, last_name, email, language, status, configuration_id, entity_group_id, default_entity_id)
      SELECT t.licence_id, gen_random_uuid(), 'user' || u.n,
        (${sql.raw(`ARRAY[${FIRST.map((f) => `'${f}'`).join(',')}]`)})[1 + u.n % ${FIRST.length}],
        (${sql.raw(`ARRAY[${LAST.map((l) => `'${l}'`).join(',')}]`)})[1 + (u.n / 7) % ${LAST.length}] || u.n % 97,
        'user' || u.n || '@customer' || u.n % 50 || '.example', 'fr',
        CASE WHEN u.n % 10 = 0 THEN 'deactivated' ELSE 'active' END,
        t.configuration_id, t.entity_group_id, t.default_entity_id
      FROM (SELECT g % ${LICENCES} AS target, g / ${LICENCES} + 1 AS n FROM generate_series(${offset}::bigint, ${offset + count - 1}::bigint) AS g) AS u
      JOIN (VALUES ${sql.raw(targets.join(','))}) AS t (target, licence_id, configuration_id, entity_group_id, default_entity_id) ON t.target = u.target`;
    if (postgres) {
      await handle.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL session_replication_role = replica`);
        await tx.execute(insert);
      });
    } else {
      await handle.db.execute(insert);
    }
    if (USERS >= 1_000_000) log(`${offset + count} users loaded`);
  }
  for (const index of indexes) {
    const t0 = Date.now();
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL maintenance_work_mem = '1GB'`);
      await tx.execute(sql.raw(index.definition));
    });
    if (USERS >= 1_000_000) log(`index ${index.name} built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  // VACUUM as autovacuum does after a bulk load: it sets the visibility map, which lets a search walk
  // the list index without reading table rows (index-only), and gathers the statistics.
  await handle.db.execute(sql`VACUUM ANALYZE users`);
  const loadSeconds = (Date.now() - started) / 1000;
  const size = postgres ? rowsOf<{ table: string; indexes: string }>(await handle.db.execute(sql`SELECT pg_size_pretty(pg_table_size('users')) AS table, pg_size_pretty(pg_indexes_size('users')) AS indexes`))[0]! : null;
  if (size) log(`users: table ${size.table}, indexes ${size.indexes}, loaded in ${loadSeconds.toFixed(0)} s`);

  await app.outbox.deliverDue();
  const link = /token=([A-Za-z0-9_-]+)/.exec(sent.find((m) => m.to === 'admin@bench.example')!.text)![1];
  await fetch(`${base}/api/v1/auth/password-reset/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: link, password: 'benchmark passphrase' }) });
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ licence: 'bench', login: 'admin', password: 'benchmark passphrase' }) });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;

  // The SQL each distinct request ran (the last one of the cursor walk), for the plans.
  const ran: { label: string; path: string; queries: CaughtQuery[] }[] = [];
  const measure = async (on: string, label: string, paths: () => string, onAnswer?: (body: { nextCursor: string | null }) => void, serverCpuMs?: () => number) => {
    const times: number[] = [];
    let items = 0;
    let cpuFrom = 0;
    const queries = new Map<string, CaughtQuery[]>();
    for (let i = 0; i < REQUESTS + 20; i++) {
      const path = paths();
      if (i === 20 && serverCpuMs) cpuFrom = serverCpuMs();
      const t0 = performance.now();
      listQueries = [];
      const answer = await fetch(on + path, { headers: { cookie } });
      if (listQueries.length > 0) queries.set(path.includes('cursor=') ? 'cursor' : path, listQueries);
      const body = (await answer.json()) as { items: unknown[]; nextCursor: string | null };
      onAnswer?.(body);
      if (answer.status !== 200) throw new Error(`${label}: ${answer.status} ${JSON.stringify(body)}`);
      if (i >= 20) {
        times.push(performance.now() - t0);
        items += body.items.length;
      }
    }
    if (on === base) for (const [path, caught] of queries) ran.push({ label, path: path === 'cursor' ? '/api/v1/users?cursor=… (the last page walked)' : path, queries: caught });
    times.sort((a, b) => a - b);
    // The machine's load as the measure ended: latency on a shared machine is read beside it.
    const cpu = serverCpuMs ? ((serverCpuMs() - cpuFrom) / REQUESTS).toFixed(2) : '–';
    return { query: label, median: percentile(times, 50).toFixed(2), p99: percentile(times, 99).toFixed(2), serverCpuMs: cpu, itemsPerPage: (items / REQUESTS).toFixed(1), load: loadavg()[0]!.toFixed(1) };
  };

  const measureAll = async (on: string, cpu?: () => number) => {
    let n = 0;
    const pick = <T>(list: T[]) => list[n++ % list.length]!;
    let cursor: string | null = null as string | null;
    return [
      await measure(on, 'first page (50, active)', () => '/api/v1/users', undefined, cpu),
      await measure(
        on,
        'next pages (50, active, cursor)',
        () => (cursor ? `/api/v1/users?cursor=${cursor}` : '/api/v1/users'),
        (body) => (cursor = body.nextCursor),
        cpu,
      ),
      await measure(on, 'deactivated tab (50)', () => '/api/v1/users?status=deactivated', undefined, cpu),
      await measure(on, 'search prefix of a login (q=user12…)', () => `/api/v1/users?q=user${pick(['12', '345', '9876', '501'])}`, undefined, cpu),
      await measure(on, 'search infix of a name (q=ern, oreau…)', () => `/api/v1/users?q=${pick(['ern', 'oreau', 'efeb', 'ubois'])}`, undefined, cpu),
      await measure(on, 'search e-mail domain (q=customer17)', () => `/api/v1/users?q=customer${pick(['17', '3', '42'])}`, undefined, cpu),
      await measure(on, 'search rare infix (q=r99999)', () => `/api/v1/users?q=${pick(['r99999', 'r12345', 'r5555'])}`, undefined, cpu),
      await measure(on, 'search without match (q=zzqx)', () => '/api/v1/users?q=zzqx', undefined, cpu),
    ];
  };
  // In this process (the requests' SQL caught for the plans), where the load generator shares the
  // server's event loop; then, on PostgreSQL, a server process of its own as production runs it
  // (compiled, the start script's options), the load generator staying in this one.
  const rows = await measureAll(base);
  let processRows: Awaited<ReturnType<typeof measureAll>> | null = null;
  if (url !== null) {
    const server = await startServerProcess({ DATABASE_URL: url, GATEHOUSE_SECRET_KEY: secretKey, GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token });
    try {
      // The server's CPU time, every thread (/proc): what a request costs it, whoever else shares the machine.
      processRows = await measureAll(server.url, () => cpuMsOf(server.process.pid!));
    } finally {
      await server.stop();
    }
  }
  // Show that a rare search is served by the trigram index, not a scan of the licence.
  const plan = await handle.db.execute(sql`
    EXPLAIN SELECT id FROM users
    WHERE licence_id = ${licence.id} AND status = 'active'
      AND lower(login || ' ' || first_name || ' ' || last_name || ' ' || email) LIKE '%r99999%'
    ORDER BY lower(login), id LIMIT 51`);
  const planText = (plan as unknown as { rows: Record<string, string>[] }).rows.map((row) => Object.values(row)[0]).join('\n');

  // The plans of the exact SQL the measured requests ran, with a warm cache as they had.
  if (values.plans && url !== null) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const sections = [`# users: ${USERS} over ${LICENCES} licence(s), ${new Date().toISOString()}\n`];
    for (const { label, path, queries: caught } of ran) {
      const plans: string[] = [];
      let total = 0;
      for (const query of caught) {
        const explained = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.text}`, query.values);
        const lines = explained.rows.map((row) => row['QUERY PLAN']);
        total += Number(/Execution Time: ([\d.]+)/.exec(lines.at(-1) ?? '')?.[1] ?? 0);
        plans.push(`\`\`\`\n${lines.join('\n')}\n\`\`\``);
      }
      const summary = caught.length > 1 ? `${caught.length} statements, execution ${total.toFixed(3)} ms in all\n\n` : '';
      sections.push(`## ${label}: GET ${path}\n\n${summary}${plans.join('\n\n')}\n`);
    }
    await client.end();
    appendFileSync(values.plans, `${sections.join('\n')}\n`);
  }

  // The decision snapshot of the measured licence: built as a process builds it on first use, timed,
  // and the heap it holds measured (after a collection on both sides when --expose-gc is given).
  let snapshotRow: Record<string, string> | null = null;
  if (values.snapshot) {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage();
    // CPU time beside wall time: on a shared machine the wall time says as much about the neighbours.
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const snapshot = await new SnapshotCache(app.context).get(licence.id);
    const buildSeconds = (performance.now() - t0) / 1000;
    const { user: cpuUser, system: cpuSystem } = process.cpuUsage(cpu);
    gc?.();
    const after = process.memoryUsage();
    // Where the time goes: the same build in its two halves.
    const t1 = performance.now();
    const input = await handle.db.transaction((tx) => loadSnapshotInput(tx, licence.id));
    const t2 = performance.now();
    const catalog = await app.context.catalog.current();
    compileLicenceSnapshot(catalog, input!);
    const t3 = performance.now();
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    snapshotRow = {
      users: String(input!.users.length),
      build: `${buildSeconds.toFixed(2)} s`,
      'build CPU': `${((cpuUser + cpuSystem) / 1e6).toFixed(2)} s`,
      'again: read': `${((t2 - t1) / 1000).toFixed(2)} s`,
      'again: compile': `${((t3 - t2) / 1000).toFixed(2)} s`,
      'heap held': mb(after.heapUsed - before.heapUsed),
      'array buffers held': mb(after.arrayBuffers - before.arrayBuffers),
      'RSS after': mb(after.rss),
      measured: gc ? 'after gc' : 'without gc (run with --expose-gc)',
    };
    if (snapshot === null) throw new Error('no snapshot');
  }
  await app.close();
  return { kind, loadSeconds, rows, processRows, planText, snapshotRow };
}

const kinds: ('pglite' | 'postgres')[] = values.database === 'both' ? ['pglite', 'postgres'] : [values.database as 'pglite' | 'postgres'];
console.log(`users: ${USERS} over ${LICENCES} licence(s), requests per query: ${REQUESTS}, node ${process.version}, ${new Date().toISOString()}`);
if (values.plans) writeFileSync(values.plans, '');
for (const kind of kinds) {
  const result = await run(kind);
  console.log(`\n${kind} (loaded in ${result.loadSeconds.toFixed(1)} s) — latency in ms through HTTP, server in the benchmark's process`);
  console.table(result.rows);
  if (result.processRows) {
    console.log(`${kind} — latency in ms through HTTP, server in a process of its own (compiled, as npm start runs it)`);
    console.table(result.processRows);
  }
  console.log(`plan of a rare infix search:\n${result.planText}`);
  if (result.snapshotRow) {
    console.log('decision snapshot of the measured licence:');
    console.table([result.snapshotRow]);
  }
}
