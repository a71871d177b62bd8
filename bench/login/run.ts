// Password sign-ins per second through HTTP: one Gatehouse server process on the local PostgreSQL (a
// scratch database), optionally pinned to one core, driven by autocannon from this process.
//   node --import tsx bench/login/run.ts [--seconds 20] [--warmup 30] [--connections 8] [--users 40] [--cpus 0] [--profile DIR]
// --warmup is how many seconds of sign-ins run before the measured ones (0: a process just started,
// its JavaScript still being compiled); --cpus is a taskset CPU list for the server process ("" for
// no pinning); --profile writes the measured server's CPU profile (node --cpu-prof, its whole life:
// start, idle, sign-ins) into DIR.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { HttpClient } from '../../test/support/http.ts';
import { startServerProcess } from '../../test/support/process.ts';
import { cpuMsOf, otherCpus, pinProcess } from '../process-cpu.ts';
import { createScratchDatabase } from '../scratch-database.ts';
import { until } from '../../test/support/wait.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '8' },
    users: { type: 'string', default: '40' },
    cpus: { type: 'string', default: '0' },
    profile: { type: 'string' },
    warmup: { type: 'string', default: '30' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const USERS = Number(values.users);
// Concurrent sign-ins of one account are counted before they are checked (see platform/throttle.ts);
// spreading the load over more accounts than connections keeps the run about throughput, not lock-outs.
if (USERS < CONNECTIONS * 2) throw new Error('--users must be at least twice --connections');

/**
 * argon2id alone on the server's CPUs (a child process pinned like the server): what they can verify
 * at most, measured just before and just after the sign-ins so both see the same machine.
 */
function argon2Alone(): { perSecond: number; cpuMsPerVerification: number } {
  const pin = values.cpus === '' ? [] : ['taskset', '-c', values.cpus];
  const command = [...pin, process.execPath, '--import', 'tsx', new URL('./argon2-alone.ts', import.meta.url).pathname, '--seconds', '5'];
  return JSON.parse(execFileSync(command[0]!, command.slice(1), { encoding: 'utf8' }).trim()) as { perSecond: number; cpuMsPerVerification: number };
}

/** The main thread's share (JavaScript: HTTP, queries, logging); the rest is argon2id's threads, GC and the compiler. */
const mainThreadCpuMsOf = (pid: number) => cpuMsOf(pid, { thread: pid });

// The load generator keeps off the server's CPUs, so what the server gets is what it is given.
pinProcess(process.pid, otherCpus(values.cpus));

const scratch = await createScratchDatabase();
const url = scratch.url;

const token = randomBytes(24).toString('hex');
const environment = { DATABASE_URL: url.toString(), GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token, GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex') };
const users = Array.from({ length: USERS }, (_, i) => ({ login: `bench-${i}`, email: `bench-${i}@bench.example`, password: `benchmark passphrase ${i}` }));

// The accounts are set up by a first server at LOG_LEVEL=debug, the only level at which the log
// transport writes the set-password links; the sign-ins are measured on a second server at the
// default level (info), as in production: at debug every request writes a line to the log, at once.
const setup = await startServerProcess({ ...environment, LOG_LEVEL: 'debug' });
try {
  /** The set-password links the server wrote to its log (no SMTP configured), by recipient. */
  const links = () => {
    const found = new Map<string, string>();
    for (const line of setup.output().split('\n')) {
      if (!line.includes('reset-password?token=')) continue;
      const entry = JSON.parse(line) as { to: string; text: string };
      found.set(entry.to, /reset-password\?token=([A-Za-z0-9_-]+)/.exec(entry.text)![1]!);
    }
    return found;
  };
  const waitForLinks = (emails: string[]) =>
    until(
      'the welcome e-mails in the log',
      () => {
        const found = links();
        return emails.every((email) => found.has(email)) && found;
      },
      30_000,
      100,
    );

  const operator = new HttpClient(setup.url).withBearer(token);
  await operator.post('/operator/v1/licences', {
    code: 'bench',
    name: 'Bench',
    seatLimit: USERS + 10,
    admin: { login: 'admin', firstName: 'Bench', lastName: 'Admin', email: 'admin@bench.example', language: 'en' },
  });
  const anonymous = new HttpClient(setup.url);
  await anonymous.post('/api/v1/auth/password-reset/complete', { token: (await waitForLinks(['admin@bench.example'])).get('admin@bench.example'), password: 'benchmark passphrase' });
  const console_ = new HttpClient(setup.url);
  const signedIn = await console_.post('/api/v1/auth/login', { licence: 'bench', login: 'admin', password: 'benchmark passphrase' });
  console_.csrfToken = signedIn.body.csrfToken;
  const configurationId = (await console_.get('/api/v1/rights-configurations')).body.find((c: { key: string }) => c.key === 'user').id;
  const entityGroupId = (await console_.get('/api/v1/entity-groups')).body[0].id;

  for (const user of users) {
    const created = await console_.post('/api/v1/users', { login: user.login, firstName: 'Bench', lastName: `User ${user.login}`, email: user.email, language: 'en', configurationId, entityGroupId });
    if (created.status !== 201) throw new Error(`user creation failed: ${JSON.stringify(created.body)}`);
  }
  const welcome = await waitForLinks(users.map((u) => u.email));
  for (const user of users) await anonymous.post('/api/v1/auth/password-reset/complete', { token: welcome.get(user.email), password: user.password });
  const check = await anonymous.post('/api/v1/auth/login', { licence: 'bench', login: users[0]!.login, password: users[0]!.password });
  if (check.body.status !== 'ok') throw new Error(`sign-in failed: ${JSON.stringify(check.body)}`);
} finally {
  await setup.stop();
}

const argon2Before = argon2Alone();
if (values.profile !== undefined) process.env.PROFILE_DIR = values.profile;
const server = await startServerProcess({ ...environment, LOG_LEVEL: 'info' });
delete process.env.PROFILE_DIR;
try {
  // Every thread of the server (argon2 runs on worker threads), and those it starts later, on the cores named.
  pinProcess(server.process.pid!, values.cpus);

  // Each request takes the next account in turn, so no account has two sign-ins in flight.
  let next = 0;
  // What the server spends doing nothing asked (workers polling, timers), counted apart.
  const idleFrom = cpuMsOf(server.process.pid!);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const idleCpuPerSecond = (cpuMsOf(server.process.pid!) - idleFrom) / 5;
  const signIns = (duration: number) =>
    autocannon({
      url: server.url,
      connections: CONNECTIONS,
      duration,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/auth/login',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => {
            const user = users[next++ % users.length]!;
            return { ...request, body: JSON.stringify({ licence: 'bench', login: user.login, password: user.password }) };
          },
        },
      ],
    });
  // A server runs for days: what it costs once V8 has compiled the sign-in's code is what is measured.
  if (Number(values.warmup) > 0) await signIns(Number(values.warmup));
  const cpuBefore = cpuMsOf(server.process.pid!);
  const mainBefore = mainThreadCpuMsOf(server.process.pid!);
  const mainSystemBefore = cpuMsOf(server.process.pid!, { thread: server.process.pid!, only: 'system' });
  const result = await signIns(SECONDS);
  const cpuPerSignIn = (cpuMsOf(server.process.pid!) - cpuBefore) / result.requests.total;
  const mainCpuPerSignIn = (mainThreadCpuMsOf(server.process.pid!) - mainBefore) / result.requests.total;
  // The kernel's share of the main thread: the sockets (HTTP, PostgreSQL) and waking their peers.
  const mainSystemPerSignIn = (cpuMsOf(server.process.pid!, { thread: server.process.pid!, only: 'system' }) - mainSystemBefore) / result.requests.total;
  const argon2After = argon2Alone();
  const argon2 = (argon2Before.perSecond + argon2After.perSecond) / 2;
  const argon2Cpu = (argon2Before.cpuMsPerVerification + argon2After.cpuMsPerVerification) / 2;
  console.log(
    `password sign-ins over ${SECONDS} s after ${values.warmup} s of warm-up, ${CONNECTIONS} connections, ${USERS} accounts, server on CPUs "${values.cpus || 'all'}" of ${cpus().length} (${cpus()[0]?.model.trim()}), node ${process.version}, ${new Date().toISOString()}`,
  );
  console.table({
    'argon2id alone on the same CPUs, verifications/s (before / after)': `${argon2Before.perSecond.toFixed(1)} / ${argon2After.perSecond.toFixed(1)}`,
    'sign-ins/s through HTTP (mean)': result.requests.average.toFixed(1),
    'sign-ins/s as a share of argon2id alone': `${((100 * result.requests.average) / argon2).toFixed(0)} %`,
    'CPU ms per argon2id verification, alone': argon2Cpu.toFixed(2),
    'server CPU ms per second, idle': idleCpuPerSecond.toFixed(1),
    'server CPU ms per sign-in, every thread': cpuPerSignIn.toFixed(2),
    'server CPU ms per sign-in, main thread': mainCpuPerSignIn.toFixed(2),
    'of which in the kernel (system time)': mainSystemPerSignIn.toFixed(2),
    'sign-ins per CPU second as a share of argon2id alone': `${((100 * argon2Cpu) / cpuPerSignIn).toFixed(0)} %`,
    'latency p50 ms': result.latency.p50,
    'latency p99 ms': result.latency.p99,
    'non-2xx answers': result.non2xx,
    'total sign-ins': result.requests.total,
  });
} finally {
  await server.stop();
  await scratch.drop();
}
