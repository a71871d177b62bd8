// Soak: one server process on PostgreSQL under a steady mix of traffic for a long time, watched per
// minute: the server's resident memory, the latency of what was answered, errors, and the machine's load.
//   node --import tsx bench/soak/run.ts [--minutes 30] [--rate 20] [--users 2000] [--out /tmp/soak.md] [--sources]
// PostgreSQL is taken from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), in a
// scratch database created and dropped by the run. The server runs as its own process, as production
// runs it: the compiled server (dist/, rebuilt first when older than its sources, as `npm start` does)
// with the Node options of package.json's `start` script, so its RSS is the server's alone and not the
// load generator's. --sources runs the TypeScript sources through tsx instead.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { hashPassword } from '../../src/platform/crypto.ts';
import { compiledServerArgs, freePort } from '../../test/support/process.ts';
import { cpuMsOf } from '../process-cpu.ts';
import { createScratchDatabase } from '../scratch-database.ts';
import { until } from '../../test/support/wait.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '20' },
    users: { type: 'string', default: '2000' },
    out: { type: 'string' },
    sources: { type: 'boolean', default: false },
  },
});
const MINUTES = Number(values.minutes);
const RATE = Number(values.rate);
const USERS = Number(values.users);
const PASSWORD = 'soak test passphrase';

// `npm start` is `node <options> dist/cli/main.js serve` after `prestart` rebuilt a stale build: the same here.
const SERVER_ARGS = values.sources ? ['--import', 'tsx', 'src/cli/main.ts', 'serve'] : compiledServerArgs();

const scratch = await createScratchDatabase();
const port = await freePort();
const operatorToken = randomBytes(24).toString('hex');
const server = spawn(process.execPath, SERVER_ARGS, {
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
  await until(
    'the server to become ready',
    async () => {
      if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode})`);
      return (await request('GET', '/readyz').catch(() => null))?.status === 200;
    },
    120_000,
    250,
  ).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}:\n${serverLog}`);
  });
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
// The server's CPU time (user + system) in seconds.
const cpuSeconds = () => cpuMsOf(server.pid!) / 1000;
// The server's own count and summed duration of the requests it answered (its /metrics histogram, all
// routes but /metrics itself): the time spent inside the server, beside the latency the load sees.
const serverTimes = async () => {
  const text = (await request('GET', '/metrics')).body;
  let count = 0;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('gatehouse_http_request_duration_seconds_') || line.includes('route="/metrics"')) continue;
    const value = Number(line.split(' ').at(-1));
    if (line.startsWith('gatehouse_http_request_duration_seconds_count{')) count += value;
    else if (line.startsWith('gatehouse_http_request_duration_seconds_sum{')) sum += value;
  }
  return { count, sum };
};

interface Minute {
  minute: number;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  serverRequests: number;
  serverMean: number;
  cpu: number;
  rss: number;
  load: number;
}
const minutes: Minute[] = [];
const failures = new Map<string, number>();
let latencies: number[] = [];
const byKind = new Map<string, number[]>();
let errors = 0;
let inFlight = 0;

const at = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
const header = '| minute | operations | errors | p50 ms | p99 ms | max ms | server: requests | server: mean ms | server: CPU s | server RSS MB | load (1 min) |';
const rule = `|${'---|'.repeat(11)}`;
const line = (m: Minute) =>
  `| ${m.minute} | ${m.requests} | ${m.errors} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.max.toFixed(0)} | ${m.serverRequests} | ${m.serverMean.toFixed(1)} | ${m.cpu.toFixed(1)} | ${m.rss.toFixed(0)} | ${m.load.toFixed(2)} |`;
const serverCommand = `node ${SERVER_ARGS.join(' ')}`;
console.log(`soak: ${MINUTES} min at ${RATE} operations/s, ${USERS} users, server pid ${server.pid} (${serverCommand}), node ${process.version}, ${new Date().toISOString()}, RSS at start ${rssMb().toFixed(0)} MB`);
console.log(`${header}\n${rule}`);

// Open loop at an even pace: an operation is due every 1/RATE s whatever is still in flight, and its
// latency counts from when it was due, so a server falling behind shows instead of slowing the load.
let previousServer = await serverTimes();
let previousCpu = cpuSeconds();
const started = performance.now();
const TOTAL = Math.round(MINUTES * 60 * RATE);
let sent = 0;
let minuteEnd = started + 60_000;
// How late each operation left the load generator after its due time (its timer and event loop): part of
// every latency, so it must stay small beside them.
const sendLags: number[] = [];
const fire = (dueAt: number) => {
  sendLags.push(performance.now() - dueAt);
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
      const latency = performance.now() - dueAt;
      latencies.push(latency);
      if (!byKind.has(operation.kind)) byKind.set(operation.kind, []);
      byKind.get(operation.kind)!.push(latency);
      if (!fine) {
        errors++;
        failures.set(operation.kind, (failures.get(operation.kind) ?? 0) + 1);
      }
    });
};
const closeMinute = async () => {
  const answered = latencies.sort((a, b) => a - b);
  const failed = errors;
  latencies = [];
  errors = 0;
  const rss = rssMb();
  const cpu = cpuSeconds();
  const times = await serverTimes();
  const serverRequests = times.count - previousServer.count;
  const row: Minute = {
    minute: minutes.length + 1,
    requests: answered.length,
    errors: failed,
    p50: at(answered, 0.5),
    p99: at(answered, 0.99),
    max: answered.at(-1) ?? 0,
    serverRequests,
    serverMean: serverRequests === 0 ? 0 : ((times.sum - previousServer.sum) / serverRequests) * 1000,
    cpu: cpu - previousCpu,
    rss,
    load: loadavg()[0]!,
  };
  previousServer = times;
  previousCpu = cpu;
  minutes.push(row);
  console.log(line(row));
};
await new Promise<void>((resolve) => {
  const end = started + MINUTES * 60_000;
  const tick = () => {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}):\n${serverLog}`);
    const now = performance.now();
    // Operation k (from 0) is due at k/RATE s after the start: at t s, floor(t·RATE) + 1 of them are due.
    // (Without the + 1, operation k was sent at (k + 1)/RATE and counted from k/RATE: every latency
    // carried 1/RATE s of the load's own waiting, 50 ms at 20 operations/s.)
    const due = Math.min(TOTAL, Math.floor(((now - started) / 1000) * RATE) + 1);
    while (sent < due) fire(started + (sent++ / RATE) * 1000);
    // The last minute closes after the operations still in flight have answered.
    if (now >= minuteEnd && now < end) {
      void closeMinute();
      minuteEnd += 60_000;
    }
    if (now < end) setTimeout(tick, 1);
    else resolve();
  };
  tick();
});
while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
if (latencies.length > 0) await closeMinute();

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
sendLags.sort((a, b) => a - b);
summary.push(`sent after their due time: p50 ${at(sendLags, 0.5).toFixed(1)} ms, p99 ${at(sendLags, 0.99).toFixed(1)} ms, max ${(sendLags.at(-1) ?? 0).toFixed(0)} ms`);
// Each kind of operation over the whole run: how many, and its p50 and p99 latency.
const kinds = [
  '| operation | count | p50 ms | p99 ms |',
  '|---|---|---|---|',
  ...[...byKind].map(([kind, list]) => {
    list.sort((a, b) => a - b);
    return `| ${kind} | ${list.length} | ${at(list, 0.5).toFixed(1)} | ${at(list, 0.99).toFixed(1)} |`;
  }),
];
console.log(`${summary.join('\n')}\n\n${kinds.join('\n')}`);
if (values.out) writeFileSync(values.out, `${[header, rule, ...minutes.map(line)].join('\n')}\n\n${summary.join('\n')}\n\n${kinds.join('\n')}\n`);
agent.destroy();
await cleanUp();
