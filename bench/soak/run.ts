// Soak: one server process on PostgreSQL under a steady mix of traffic for a long time, watched per
// minute: the server's resident memory, the latency of what was answered, errors, and the machine's load.
//   node --import tsx bench/soak/run.ts [--minutes 30] [--rate 20] [--users 2000] [--out /tmp/soak.md]
// PostgreSQL is taken from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), in a
// scratch database created and dropped by the run. The server runs as its own process (`gatehouse
// serve`), as in production, so its RSS is the server's alone and not the load generator's.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { hashPassword } from '../../src/platform/crypto.ts';
import { createScratchDatabase } from '../scratch-database.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '20' },
    users: { type: 'string', default: '2000' },
    out: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes);
const RATE = Number(values.rate);
const USERS = Number(values.users);
const PASSWORD = 'soak test passphrase';

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const scratch = await createScratchDatabase();
const port = await freePort();
const operatorToken = randomBytes(24).toString('hex');
const server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
  env: {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: scratch.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_PUBLIC_URL: `http://localhost:${port}`,
    GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'),
    GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: operatorToken,
    GATEHOUSE_DEMO: 'off',
    GATEHOUSE_BUILD_CONSOLE: 'off',
    GATEHOUSE_DELIVERY: 'log',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let serverLog = '';
server.stderr.on('data', (chunk: Buffer) => (serverLog = (serverLog + chunk.toString()).slice(-4000)));
const serverExited = new Promise<number | null>((resolve) => server.on('exit', resolve));

const cleanUp = async () => {
  if (server.exitCode === null) {
    server.kill('SIGTERM');
    await serverExited;
  }
  await scratch.drop();
};
process.on('SIGINT', () => void cleanUp().then(() => process.exit(130)));

// --- HTTP: one keep-alive agent, latency counted from the instant each request was due.
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
interface Answer {
  request: string;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}
function request(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: '127.0.0.1', port, path, method, agent, headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ request: `${method} ${path}`, status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

async function waitReady() {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}):\n${serverLog}`);
    const ready = await request('GET', '/readyz').catch(() => null);
    if (ready?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server did not become ready:\n${serverLog}`);
}

const operator = { authorization: `Bearer ${operatorToken}` };
async function signIn(login: string): Promise<{ cookie: string; csrf: string } | null> {
  const answer = await request('POST', '/api/v1/auth/login', {}, { licence: 'soak', login, password: PASSWORD });
  if (answer.status !== 200) {
    console.error(`unexpected answer: ${answer.request} (${login}) → ${answer.status} ${answer.body.slice(0, 300)}`);
    return null;
  }
  const cookie = String(answer.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  return { cookie, csrf: (JSON.parse(answer.body) as { csrfToken: string }).csrfToken };
}

await waitReady();
const created = await request('POST', '/operator/v1/licences', operator, {
  code: 'soak',
  name: 'Soak',
  seatLimit: USERS + 1000,
  admin: { login: 'admin', firstName: 'Soak', lastName: 'Admin', email: 'admin@soak.example', language: 'en' },
});
if (created.status !== 201 && created.status !== 200) throw new Error(`licence: ${created.status} ${created.body}`);
const { licence, admin } = JSON.parse(created.body) as { licence: { id: string }; admin: { user: { id: string }; configuration: { id: string }; entityGroup: { id: string }; defaultEntity: { id: string } } };

// Users and passwords are loaded with SQL: the soak measures traffic, not setup. One hash serves all.
const database = new pg.Client({ connectionString: scratch.url });
await database.connect();
const passwordHash = await hashPassword(PASSWORD);
const { rows: configurationRows } = await database.query<{ id: string }>(`SELECT id FROM rights_configurations WHERE licence_id = $1 AND key = 'user'`, [licence.id]);
await database.query(
  `INSERT INTO users (licence_id, id, login, first_name, last_name, email, language, status, configuration_id, entity_group_id, default_entity_id, password_hash, password_changed_at)
   SELECT $1::uuid, gen_random_uuid(), 'user' || n, 'First' || n, 'Last' || n, 'user' || n || '@soak.example', 'fr', 'active', $2::uuid, $3::uuid, $4::uuid, $5, now()
   FROM generate_series(1, $6::int) AS n`,
  [licence.id, configurationRows[0]!.id, admin.entityGroup.id, admin.defaultEntity.id, passwordHash, USERS],
);
await database.query(`UPDATE users SET password_hash = $2, password_changed_at = now() WHERE licence_id = $1 AND login = 'admin'`, [licence.id, passwordHash]);
await database.query('ANALYZE users');
// Only the users loaded above: the licence's admin and its support account (no password) are not in the pools.
const { rows: userRows } = await database.query<{ id: string; login: string }>(`SELECT id, login FROM users WHERE licence_id = $1 AND login LIKE 'user%' ORDER BY login`, [licence.id]);
await database.end();

const adminSession = await signIn('admin');
if (adminSession === null) throw new Error('the admin could not sign in');
const console_ = { cookie: adminSession.cookie };
const consoleWrite = { cookie: adminSession.cookie, 'x-csrf-token': adminSession.csrf };

// The first fifth of the users sign in and out; the next fifth are edited and switched off and on by the
// admin; every user is read and decided about. Pools do not overlap, so a deactivated user never signs in.
const signers = userRows.slice(0, Math.floor(USERS / 5));
const edited = userRows.slice(Math.floor(USERS / 5), Math.floor((2 * USERS) / 5));
const deactivated = new Set<string>();
const switching = new Set<string>();
const random = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(list: readonly T[]) => list[random(list.length)]!;
const PERMISSIONS = ['forms', 'licence-configuration.users.view', 'licence-configuration.users.edit', 'email-campaigns', 'unknown.permission'];

type Operation = { kind: string; run: () => Promise<boolean> };
// Every unexpected answer is written to standard error as it comes, so a failure can be explained.
const ok = (answer: Answer, ...statuses: number[]) => {
  if (statuses.includes(answer.status)) return true;
  console.error(`unexpected answer: ${answer.request} → ${answer.status} ${answer.body.slice(0, 300)}`);
  return false;
};
const operations: { weight: number; operation: Operation }[] = [
  {
    weight: 5,
    operation: {
      kind: 'sign-in',
      run: async () => {
        const session = await signIn(pick(signers).login);
        if (session === null) return false;
        return ok(await request('POST', '/api/v1/auth/logout', { cookie: session.cookie, 'x-csrf-token': session.csrf }), 204);
      },
    },
  },
  { weight: 12, operation: { kind: 'console: users list', run: async () => ok(await request('GET', '/api/v1/users', console_), 200) } },
  { weight: 8, operation: { kind: 'console: users search', run: async () => ok(await request('GET', `/api/v1/users?q=user${random(USERS)}`, console_), 200) } },
  { weight: 8, operation: { kind: 'console: one user', run: async () => ok(await request('GET', `/api/v1/users/${pick(userRows).id}`, console_), 200) } },
  { weight: 7, operation: { kind: 'console: session, menus', run: async () => ok(await request('GET', '/api/v1/auth/session', console_), 200) && ok(await request('GET', '/api/v1/me/permissions', console_), 200) } },
  { weight: 6, operation: { kind: 'admin: edit a user', run: async () => ok(await request('PATCH', `/api/v1/users/${pick(edited).id}`, consoleWrite, { firstName: `Edited${random(1e6)}` }), 200) } },
  {
    weight: 4,
    operation: {
      kind: 'admin: deactivate/activate',
      run: async () => {
        // One switch at a time per user: two at once would race on its status (the load's fault, not the server's).
        let user = pick(edited);
        while (switching.has(user.id)) user = pick(edited);
        switching.add(user.id);
        const action = deactivated.has(user.id) ? 'activate' : 'deactivate';
        try {
          const fine = ok(await request('POST', `/api/v1/users/${user.id}/${action}`, consoleWrite), 200, 204);
          if (fine && action === 'activate') deactivated.delete(user.id);
          if (fine && action === 'deactivate') deactivated.add(user.id);
          return fine;
        } finally {
          switching.delete(user.id);
        }
      },
    },
  },
  { weight: 30, operation: { kind: 'decision (session)', run: async () => ok(await request('POST', '/api/v1/authorize', consoleWrite, { permission: pick(PERMISSIONS) }), 200) } },
  {
    weight: 20,
    operation: {
      kind: 'decisions (operator, 10 checks)',
      run: async () => ok(await request('POST', '/operator/v1/authorize', operator, { checks: Array.from({ length: 10 }, () => ({ licence: 'soak', userId: pick(userRows).id, permission: pick(PERMISSIONS) })) }), 200),
    },
  },
];
const totalWeight = operations.reduce((sum, o) => sum + o.weight, 0);
const nextOperation = () => {
  let at = random(totalWeight);
  for (const { weight, operation } of operations) if ((at -= weight) < 0) return operation;
  return operations[0]!.operation;
};

const rssMb = () => {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
};

interface Minute {
  minute: number;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  rss: number;
  load: number;
}
const minutes: Minute[] = [];
const failures = new Map<string, number>();
let latencies: number[] = [];
let errors = 0;
let inFlight = 0;

const at = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
const header = '| minute | requests | errors | p50 ms | p99 ms | max ms | server RSS MB | load (1 min) |';
console.log(`soak: ${MINUTES} min at ${RATE} operations/s, ${USERS} users, server pid ${server.pid}, node ${process.version}, ${new Date().toISOString()}, RSS at start ${rssMb().toFixed(0)} MB`);
console.log(`${header}\n|---|---|---|---|---|---|---|---|`);

// Open loop at an even pace: an operation is due every 1/RATE s whatever is still in flight, and its
// latency counts from when it was due, so a server falling behind shows instead of slowing the load.
const started = performance.now();
let sent = 0;
let minuteEnd = started + 60_000;
const fire = (dueAt: number) => {
  const operation = nextOperation();
  inFlight++;
  operation
    .run()
    .catch((error: unknown) => {
      console.error(`request failed: ${operation.kind}: ${String(error)}`);
      return false;
    })
    .then((fine) => {
      inFlight--;
      latencies.push(performance.now() - dueAt);
      if (!fine) {
        errors++;
        failures.set(operation.kind, (failures.get(operation.kind) ?? 0) + 1);
      }
    });
};
const closeMinute = () => {
  latencies.sort((a, b) => a - b);
  const row: Minute = { minute: minutes.length + 1, requests: latencies.length, errors, p50: at(latencies, 0.5), p99: at(latencies, 0.99), max: latencies.at(-1) ?? 0, rss: rssMb(), load: loadavg()[0]! };
  minutes.push(row);
  console.log(`| ${row.minute} | ${row.requests} | ${row.errors} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.max.toFixed(0)} | ${row.rss.toFixed(0)} | ${row.load.toFixed(2)} |`);
  latencies = [];
  errors = 0;
};
await new Promise<void>((resolve) => {
  const end = started + MINUTES * 60_000;
  const tick = () => {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}):\n${serverLog}`);
    const now = performance.now();
    const due = Math.floor(((Math.min(now, end) - started) / 1000) * RATE);
    while (sent < due) fire(started + (sent++ / RATE) * 1000);
    // The last minute closes after the operations still in flight have answered.
    if (now >= minuteEnd && now < end) {
      closeMinute();
      minuteEnd += 60_000;
    }
    if (now < end) setTimeout(tick, 1);
    else resolve();
  };
  tick();
});
while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
if (latencies.length > 0) closeMinute();

// Growth: the least-squares slope of RSS and p99 over the minutes after the first two (warm-up).
const slope = (points: [number, number][]) => {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
};
const steady = minutes.filter((m) => m.minute > 2);
const rssSlope = slope(steady.map((m) => [m.minute, m.rss]));
const p99Slope = slope(steady.map((m) => [m.minute, m.p99]));
const totalErrors = minutes.reduce((s, m) => s + m.errors, 0);
const totalRequests = minutes.reduce((s, m) => s + m.requests, 0);
const summary = [
  `operations: ${totalRequests}, errors: ${totalErrors}${failures.size > 0 ? ` (${[...failures].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`,
  `RSS trend after minute 2: ${rssSlope >= 0 ? '+' : ''}${rssSlope.toFixed(2)} MB/min; p99 trend: ${p99Slope >= 0 ? '+' : ''}${p99Slope.toFixed(2)} ms/min`,
];
console.log(summary.join('\n'));
if (values.out) {
  const table = [header, '|---|---|---|---|---|---|---|---|', ...minutes.map((m) => `| ${m.minute} | ${m.requests} | ${m.errors} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.max.toFixed(0)} | ${m.rss.toFixed(0)} | ${m.load.toFixed(2)} |`)];
  writeFileSync(values.out, `${table.join('\n')}\n\n${summary.join('\n')}\n`);
}
agent.destroy();
await cleanUp();
