// Importing users from CSV through HTTP: 10,000 rows, the dry run then the import, on PostgreSQL.
//   node --import tsx bench/user-import/run.ts [--rows 10000] [--database postgres|pglite]
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
import type { DeliverableMessage } from '../../src/platform/messaging/transports.ts';
import { createScratchDatabase } from '../scratch-database.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    database: { type: 'string', default: 'postgres' },
  },
});
const ROWS = Number(values.rows);
const TARGET_SECONDS = 30;

const FIRST = ['Alice', 'Bruno', 'Chloé', 'David', 'Emma', 'Farid', 'Gabriel', 'Hugo', 'Inès', 'Jules', 'Karim', 'Léa', 'Manon', 'Nathan', 'Océane', 'Paul'];
const LAST = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefèvre', 'Michel'];
const CONFIGURATIONS = ['user', 'advanced-user', 'restricted-user', 'reviewer'];

async function openHandle(kind: 'pglite' | 'postgres'): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const handle = await openPglite(null);
    return { handle, drop: () => handle.close() };
  }
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

/** A French spreadsheet's file: `;`-separated, accents, a mobile on every other row. */
function csvOf(rows: number): string {
  const lines = ['login;firstName;lastName;email;mobile;language;gender;configuration;entityGroup;defaultEntity'];
  for (let n = 1; n <= rows; n += 1) {
    const mobile = n % 2 === 0 ? `+336${String(10_000_000 + n).slice(-8)}` : '';
    lines.push(`user${n};${FIRST[n % FIRST.length]};${LAST[n % LAST.length]};user${n}@customer${n % 50}.example;${mobile};${n % 3 === 0 ? 'en' : 'fr'};;${CONFIGURATIONS[n % CONFIGURATIONS.length]};Main;main`);
  }
  return lines.join('\r\n');
}

async function run(kind: 'pglite' | 'postgres') {
  const { handle, drop } = await openHandle(kind);
  await migrate(handle);
  const token = randomBytes(24).toString('hex');
  const sent: DeliverableMessage[] = [];
  const config = loadConfig({ GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token, GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn' });
  const app = await buildApp({ config, database: handle, logger: createLogger('warn'), serveConsole: false, transports: { email: { send: async (m) => void sent.push(m) }, sms: { send: async () => undefined } } });
  const base = await app.server.listen({ port: 0, host: '127.0.0.1' });
  try {
    const created = await fetch(`${base}/operator/v1/licences`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'bench', name: 'Bench', seatLimit: ROWS + 10, admin: { login: 'admin', firstName: 'Bench', lastName: 'Admin', email: 'admin@bench.example', language: 'en' } }),
    });
    if (created.status !== 201) throw new Error(`licence: ${created.status} ${await created.text()}`);
    await app.outbox.deliverDue();
    const link = /token=([A-Za-z0-9_-]+)/.exec(sent.find((m) => m.to === 'admin@bench.example')!.text)![1];
    await fetch(`${base}/api/v1/auth/password-reset/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: link, password: 'benchmark passphrase' }) });
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ licence: 'bench', login: 'admin', password: 'benchmark passphrase' }) });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;

    const csv = Buffer.from(csvOf(ROWS), 'utf8');
    const send = async (dryRun: boolean) => {
      const started = performance.now();
      const answer = await fetch(`${base}/api/v1/users/import?dryRun=${dryRun}`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'text/csv' }, body: csv });
      const body = (await answer.json()) as { summary?: { create: number; refused: number } };
      const seconds = (performance.now() - started) / 1000;
      if (answer.status !== (dryRun ? 200 : 201)) throw new Error(`import (dryRun=${dryRun}): ${answer.status} ${JSON.stringify(body).slice(0, 500)}`);
      return { seconds, summary: body.summary };
    };
    const dry = await send(true);
    const applied = await send(false);

    const exportStarted = performance.now();
    const exported = await fetch(`${base}/api/v1/users/export`, { headers: { cookie } }).then((answer) => answer.text());
    const exportSeconds = (performance.now() - exportStarted) / 1000;

    const counted = await handle.db.execute(sql`SELECT
      (SELECT count(*) FROM users) AS users,
      (SELECT count(*) FROM outbox) AS messages,
      (SELECT count(*) FROM audit_events WHERE action = 'user.create') AS events`);
    const counts = (counted as unknown as { rows: Record<string, unknown>[] }).rows[0];
    return { kind, bytes: csv.length, dry, applied, exportSeconds, exportedLines: exported.trim().split(/\r?\n/).length, counts };
  } finally {
    await app.close();
    await drop();
  }
}

const kinds: ('pglite' | 'postgres')[] = values.database === 'both' ? ['pglite', 'postgres'] : [values.database as 'pglite' | 'postgres'];
console.log(`rows: ${ROWS}, node ${process.version}, ${new Date().toISOString()}`);
for (const kind of kinds) {
  const result = await run(kind);
  console.log(`\n${kind}: a file of ${(result.bytes / 1024 / 1024).toFixed(2)} MB`);
  console.table([
    { step: 'dry run', seconds: result.dry.seconds.toFixed(2), summary: JSON.stringify(result.dry.summary) },
    { step: 'import (dryRun=false)', seconds: result.applied.seconds.toFixed(2), summary: JSON.stringify(result.applied.summary) },
    { step: 'export of every user', seconds: result.exportSeconds.toFixed(2), summary: `${result.exportedLines} lines` },
  ]);
  console.log('after the import:', result.counts);
  console.log(result.applied.seconds < TARGET_SECONDS ? `import within the target of ${TARGET_SECONDS} s` : `IMPORT SLOWER THAN THE TARGET OF ${TARGET_SECONDS} s`);
}
