// Decisions through HTTP: the batch endpoint the platform's services call, and the single-check
// endpoint of a signed-in caller. One Gatehouse server process on the local PostgreSQL (a scratch
// database), autocannon in this second process.
//   node --import tsx bench/authz/http.ts [--licences 10] [--users 1000] [--seconds 15]
//        [--rate 5000] [--connections 8] [--load autocannon|paced] [--pin] [--baseline]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { compileCatalog } from '../../src/core/catalog.ts';
import { DEFAULT_CATALOG } from '../../src/core/default-catalog.ts';
import { hashToken, randomToken } from '../../src/platform/crypto.ts';
import { HttpClient } from '../../test/support/http.ts';
import { startServerProcess } from '../../test/support/process.ts';
import { createScratchDatabase } from '../scratch-database.ts';
import { seededRandom } from './dataset.ts';
import { pacedLoad } from './paced-load.ts';

const { values } = parseArgs({
  options: { licences: { type: 'string', default: '10' }, users: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '15' }, rate: { type: 'string', default: '5000' },
    load: { type: 'string', default: 'autocannon' }, connections: { type: 'string', default: '8' }, pin: { type: 'boolean', default: false },
    baseline: { type: 'boolean', default: false } },
});
const LICENCES = Number(values.licences);
const USERS = Number(values.users);
const SECONDS = Number(values.seconds);
const random = seededRandom(20261123);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/**
 * The server's own view of the single checks: its request-duration histogram (from the moment a
 * request is read to the moment its answer is written), which leaves out the load generator.
 * Cumulative counts by upper bound in seconds; read before and after the measured run.
 */
async function singleCheckTimings(serverUrl: string): Promise<Map<string, number>> {
  const metrics = await fetch(`${serverUrl}/metrics`).then((r) => r.text());
  const counts = new Map<string, number>();
  for (const le of ['0.001', '0.0025', '0.005', '0.01', '+Inf']) {
    const line = new RegExp(`gatehouse_http_request_duration_seconds_bucket\\{le="${le.replace(/[.+]/g, '\\$&')}",method="POST",route="/api/v1/authorize",status_code="200"\\} (\\d+)`);
    counts.set(le, Number(line.exec(metrics)?.[1] ?? 0));
  }
  return counts;
}

const scratch = await createScratchDatabase();
const url = scratch.url;
const operatorToken = randomBytes(24).toString('hex');
const server = await startServerProcess({ DATABASE_URL: url.toString(), GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: operatorToken, GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn' });
if (values.pin) {
  // Linux: the load generator (this process) on the first core, the server on the second, every thread
  // of each; so neither one's bursts and garbage collections take the other's core.
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(server.process.pid)], { stdio: 'ignore' });
}
const db = new pg.Client({ connectionString: url.toString() });
await db.connect();

try {
  const operator = new HttpClient(server.url).withBearer(operatorToken);
  const users: { licence: string; id: string; login: string; token: string }[] = [];
  for (let l = 0; l < LICENCES; l++) {
    const code = `bench-${l}`;
    const created = await operator.post('/operator/v1/licences', { code, name: code, seatLimit: USERS + 10, admin: { login: 'admin', firstName: 'B', lastName: 'A', email: `admin@${code}.example`, language: 'en' } });
    const licenceId: string = created.body.licence.id;
    const { rows: configurations } = await db.query<{ id: string }>("SELECT id FROM rights_configurations WHERE licence_id = $1 AND key <> 'support'", [licenceId]);
    const { rows: groups } = await db.query<{ group_id: string; entity_id: string }>('SELECT entity_group_id AS group_id, entity_id FROM entity_group_members WHERE licence_id = $1', [licenceId]);
    // A few entities and groups, so entity checks have something to answer.
    for (let e = 0; e < 5; e++) await operator.post(`/operator/v1/licences/${code}/entities`, { code: `e${e}`, name: `Entity ${e}` });
    const { rows: memberships } = await db.query<{ group_id: string; entity_id: string }>('SELECT entity_group_id AS group_id, entity_id FROM entity_group_members WHERE licence_id = $1', [licenceId]);
    groups.push(...memberships);
    const { rows: inserted } = await db.query<{ id: string; login: string }>(
      `INSERT INTO users (licence_id, id, login, first_name, last_name, email, language, configuration_id, entity_group_id, default_entity_id)
       SELECT $1, gen_random_uuid(), 'user' || n, 'First', 'Last', 'user' || n || '@bench.example', 'en', ($2::uuid[])[1 + n % array_length($2::uuid[], 1)], m.group_id, m.entity_id
       FROM generate_series(1, $3::int) AS n
       JOIN LATERAL (SELECT ($4::uuid[])[1 + n % array_length($4::uuid[], 1)] AS group_id, ($5::uuid[])[1 + n % array_length($5::uuid[], 1)] AS entity_id) m ON true
       RETURNING id, login`,
      [licenceId, configurations.map((c) => c.id), USERS, memberships.map((m) => m.group_id), memberships.map((m) => m.entity_id)],
    );
    for (const user of inserted) {
      const token = randomToken();
      await db.query("INSERT INTO sessions (licence_id, id, user_id, token_hash, expires_at) VALUES ($1, gen_random_uuid(), $2, $3, now() + interval '1 hour')", [licenceId, user.id, hashToken(token)]);
      users.push({ licence: code, id: user.id, login: user.login, token });
    }
  }

  const catalog = compileCatalog(DEFAULT_CATALOG);
  const permissions = [...catalog.stepsUnder.keys()];
  const entityNames = ['main', 'e0', 'e1', 'e2', 'e3', 'e4'];
  const check = () => {
    const user = pick(users);
    return { licence: user.licence, userId: user.id, permission: pick(permissions), ...(random() < 0.7 ? { entity: pick(entityNames) } : {}) };
  };
  // Warm every licence's snapshot before measuring.
  await operator.post('/operator/v1/authorize', { checks: Array.from({ length: LICENCES }, (_, l) => ({ licence: `bench-${l}`, login: 'admin', permission: 'forms' })) });

  const batches = Array.from({ length: 200 }, () => JSON.stringify({ checks: Array.from({ length: 100 }, check) }));
  let allowed = 0;
  let total = 0;
  for (const body of batches.slice(0, 20)) {
    const answer = await operator.request('POST', '/operator/v1/authorize', body);
    for (const result of answer.body.results as { allowed: boolean }[]) {
      total++;
      if (result.allowed) allowed++;
    }
  }
  let next = 0;
  const batch = await autocannon({
    url: `${server.url}/operator/v1/authorize`,
    connections: 8,
    duration: SECONDS,
    requests: [{ method: 'POST', headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' }, setupRequest: (request) => ({ ...request, body: batches[next++ % batches.length] }) }],
  });

  const singles = Array.from({ length: 2000 }, () => {
    const c = check();
    const user = users.find((u) => u.id === c.userId)!;
    return { token: user.token, body: JSON.stringify({ permission: c.permission, ...(c.entity ? { entity: c.entity } : {}) }) };
  });
  let nextSingle = 0;
  const nextCheck = () => {
    const one = singles[nextSingle++ % singles.length]!;
    return { path: '/api/v1/authorize', headers: { authorization: `Bearer ${one.token}`, 'content-type': 'application/json' }, body: one.body };
  };
  // The single checks at --rate requests/s (0: as fast as --connections go). --load autocannon (the
  // default) paces autocannon itself (overallRate, with its coordinated-omission correction); --load
  // paced uses paced-load.ts, an open loop that counts each request's latency from when it was due.
  const rate = Number(values.rate);
  // Every session checked once before measuring, as a running service would have them.
  await autocannon({ url: `${server.url}/api/v1/authorize`, connections: 8, amount: singles.length, requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, ...nextCheck() }) }] });
  const before = await singleCheckTimings(server.url);
  const single =
    rate > 0 && values.load === 'paced'
      ? await pacedLoad(server.url, rate, SECONDS, nextCheck)
      : await autocannon({
          url: `${server.url}/api/v1/authorize`,
          connections: Number(values.connections),
          duration: SECONDS,
          ...(rate > 0 ? { overallRate: rate } : {}),
          requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, ...nextCheck() }) }],
        }).then((result) => ({ requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx }));

  // --baseline: the same load on GET /healthz, which does nothing, so the floor of what this load
  // generator on this machine can see is known.
  const baseline = values.baseline
    ? await autocannon({ url: `${server.url}/healthz`, connections: Number(values.connections), duration: SECONDS, ...(rate > 0 ? { overallRate: rate } : {}) })
    : null;

  const after = await singleCheckTimings(server.url);
  const served = after.get('+Inf')! - before.get('+Inf')!;
  const within = (le: string) => `${((100 * (after.get(le)! - before.get(le)!)) / Math.max(1, served)).toFixed(2)} %`;
  console.log(`single checks as the server timed them: ${served} answered; within 1 ms ${within('0.001')}, 2.5 ms ${within('0.0025')}, 5 ms ${within('0.005')}, 10 ms ${within('0.01')}`);

  console.log(`decisions over HTTP: ${LICENCES} licences × ${USERS} users, ${SECONDS} s each, node ${process.version}, ${new Date().toISOString()}`);
  console.log(`sample: ${((100 * allowed) / total).toFixed(0)} % of checks allowed`);
  console.table({
    'batch of 100 (operator)': {
      'requests/s': batch.requests.average.toFixed(0),
      'decisions/s': (batch.requests.average * 100).toFixed(0),
      'p50 ms': batch.latency.p50,
      'p99 ms': batch.latency.p99,
      'non-2xx': batch.non2xx,
    },
    [rate > 0 ? `single check (session), ${values.load} at ${rate}/s` : `single check (session), ${values.connections} connections`]: {
      'requests/s': single.requestsPerSecond.toFixed(0),
      'decisions/s': single.requestsPerSecond.toFixed(0),
      'p50 ms': Number(single.p50.toFixed(2)),
      'p99 ms': Number(single.p99.toFixed(2)),
      'non-2xx': single.non2xx,
    },
    ...(baseline === null
      ? {}
      : {
          'baseline: GET /healthz, same load': { 'requests/s': baseline.requests.average.toFixed(0), 'decisions/s': '', 'p50 ms': baseline.latency.p50, 'p99 ms': baseline.latency.p99, 'non-2xx': baseline.non2xx },
        }),
  });
} finally {
  await db.end();
  await server.stop();
  await scratch.drop();
}
