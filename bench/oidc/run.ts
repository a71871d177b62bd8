// The OpenID Provider's speed through HTTP, on one Gatehouse server process over the local
// PostgreSQL (a scratch database), autocannon in this process:
//   1. client-credentials grants of a service application (JWT access tokens);
//   2. authorization-code exchanges of a confidential web application (token endpoint);
//   3. POST /api/v1/authorize with a person's JWT access token, paced at a steady rate.
//   node --import tsx bench/oidc/run.ts [--seconds 20] [--connections 8] [--rate 5000] [--cpus 0]
// --cpus: a taskset CPU list for the server process, the load generator kept off it (default: no
// pinning, the server shares the cores with PostgreSQL and the load generator).
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import * as client from 'openid-client';
import pg from 'pg';
import { HttpClient } from '../../test/support/http.ts';
import { authorize, Browser } from '../../test/support/oidc.ts';
import { startServerProcess } from '../../test/support/process.ts';
import { cpuMsOf, otherCpus, pinProcess } from '../process-cpu.ts';
import { createScratchDatabase } from '../scratch-database.ts';
import { until } from '../../test/support/wait.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, connections: { type: 'string', default: '8' }, rate: { type: 'string', default: '5000' }, only: { type: 'string' }, cpus: { type: 'string', default: '' } } });
// --only credentials|exchange|decisions: one measure alone (e.g. with a CPU profile of it).
const runs = (name: string) => values.only === undefined || values.only === name;
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const scratch = await createScratchDatabase();
const token = randomBytes(24).toString('hex');
const password = 'benchmark passphrase';
// The demo licence prints its admin's set-password link once, at start: the server runs at the
// production log level (info), not at debug where every request and message would be written.
// The compiled server with the start script's options, as `npm start` runs it in production.
const server = await startServerProcess({ DATABASE_URL: scratch.url, GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token, GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'), GATEHOUSE_DEMO: 'on', LOG_LEVEL: 'info' });
// The issuer is the public URL, http://localhost:<port> by default: every request goes there.
const base = server.url.replace('127.0.0.1', 'localhost');
pinProcess(server.process.pid!, values.cpus);
pinProcess(process.pid, otherCpus(values.cpus));
const database = new pg.Client({ connectionString: scratch.url });
await database.connect();

/** CPU seconds the server process has used (every thread): what "per core" is measured against. */
const serverCpuSeconds = () => cpuMsOf(server.process.pid!) / 1000;
let cpuAtStart = serverCpuSeconds();
const rows: Record<string, Record<string, string | number>> = {};
const measured = (options: autocannon.Options) => {
  cpuAtStart = serverCpuSeconds();
  return autocannon(options);
};
const record = (name: string, result: autocannon.Result) => {
  const cpu = serverCpuSeconds() - cpuAtStart;
  rows[name] = {
    'requests/s (mean)': Math.round(result.requests.average),
    // The server shares two cores with PostgreSQL and the load generator: its own CPU time says
    // what one core of it answers.
    'per server CPU-second': Math.round(result.requests.total / Math.max(cpu, 0.01)),
    'latency p50 ms': result.latency.p50,
    'latency p99 ms': result.latency.p99,
    'non-2xx': result.non2xx,
    total: result.requests.total,
  };
};

try {
  const operator = new HttpClient(base).withBearer(token);
  const link = await until('the welcome link in the log', () => /reset-password\?token=([A-Za-z0-9_-]+)/.exec(server.output())?.[1], 10_000, 100);
  await new HttpClient(base).post('/api/v1/auth/password-reset/complete', { token: link, password });
  const service = (await operator.post('/operator/v1/applications', { name: 'Bench service', kind: 'service', redirectUris: [], scopes: ['decisions:read'] })).body;
  const web = (await operator.post('/operator/v1/applications', { name: 'Bench web', kind: 'web', redirectUris: ['http://localhost:5173/callback'] })).body;
  const webEs256 = (await operator.post('/operator/v1/applications', { name: 'Bench web ES256', kind: 'web', redirectUris: ['http://localhost:5173/callback'], idTokenSigningAlg: 'ES256' })).body;

  // 1. Client credentials.
  if (runs('credentials')) record(
    'client credentials (service, JWT)',
    await measured({
      url: `${base}/oidc/token`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'decisions:read', client_id: service.clientId, client_secret: service.clientSecret }).toString(),
      connections,
      duration: seconds,
    }),
  );

  // 2. Code exchanges: one real sign-in makes a code; its stored artefact is copied under fresh ids,
  // so every request redeems a code of its own (same grant, same PKCE challenge). Once for an
  // application whose ID tokens are signed RS256 (the default), once for one that chose ES256.
  const person = { licence: 'demo', login: 'admin', password };
  const discover = (app: { clientId: string; clientSecret: string }) =>
    client.discovery(new URL(base), app.clientId, app.clientSecret, client.ClientSecretPost(app.clientSecret), { execute: [client.allowInsecureRequests] });
  const config = await discover(web);
  const exchanges = async (app: { clientId: string; clientSecret: string }, label: string) => {
    const { callback, verifier } = await authorize(await discover(app), new Browser(base), person, { resource: `${base}/api/v1` });
    const code = callback.searchParams.get('code') as string;
    const { rows: stored } = await database.query<{ payload: Record<string, unknown>; grant_id: string; account_id: string; expires_at: Date }>(
      "SELECT payload, grant_id, account_id, expires_at FROM oidc_payloads WHERE model = 'AuthorizationCode' AND id = $1",
      [code],
    );
    const sample = stored[0];
    if (sample === undefined) throw new Error('no stored code');
    const count = Math.ceil(seconds * 3000);
    const codes = Array.from({ length: count }, () => randomBytes(32).toString('base64url'));
    const farFuture = new Date(Date.now() + 3600_000);
    const exp = Math.floor(farFuture.getTime() / 1000);
    for (let start = 0; start < codes.length; start += 1000) {
      const slice = codes.slice(start, start + 1000);
      await database.query(
        "INSERT INTO oidc_payloads (model, id, payload, grant_id, account_id, expires_at) SELECT 'AuthorizationCode', id, $2::jsonb || jsonb_build_object('jti', id, 'exp', $5::int), $3, $4, $6 FROM unnest($1::text[]) AS id",
        [slice, JSON.stringify(sample.payload), sample.grant_id, sample.account_id, exp, farFuture],
      );
    }
    let next = 0;
    const form = (value: string) =>
      new URLSearchParams({ grant_type: 'authorization_code', code: value, redirect_uri: 'http://localhost:5173/callback', code_verifier: verifier, client_id: app.clientId, client_secret: app.clientSecret }).toString();
    record(
      label,
      await measured({
        url: `${base}/oidc/token`,
        // Each exchange waits on database round trips: more connections keep the process busy.
        connections: connections * 4,
        duration: seconds,
        requests: [{ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, setupRequest: (request) => ({ ...request, body: form(codes[next++ % codes.length] as string) }) }],
      }),
    );
  };
  if (runs('exchange')) {
    await exchanges(web, 'authorization code exchange (web, confidential, RS256 ID token)');
    await exchanges(webEs256, 'authorization code exchange (web, confidential, ES256 ID token)');
  }

  // 3. A person's JWT access token at Gatehouse's API, at a steady rate. Besides the load generator's
  // latencies, the server's own request-duration histogram (read before and after) says how many
  // answers took under 1, 2.5 and 5 ms, leaving out the load generator sharing the machine.
  const within = async () => {
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    const count = (le: string) =>
      Number(new RegExp(`gatehouse_http_request_duration_seconds_bucket\\{le="${le.replace(/[.+]/g, '\\$&')}",method="POST",route="/api/v1/authorize",status_code="200"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    return { ms1: count('0.001'), ms2_5: count('0.0025'), ms5: count('0.005'), all: count('+Inf') };
  };
  const second = await authorize(config, new Browser(base), person, { resource: `${base}/api/v1` });
  const tokens = await client.authorizationCodeGrant(config, second.callback, { pkceCodeVerifier: second.verifier, expectedState: second.state, expectedNonce: second.nonce }, { resource: `${base}/api/v1` });
  const before = await within();
  if (runs('decisions')) record(
    `POST /api/v1/authorize with a JWT, paced at ${values.rate}/s`,
    await measured({
      url: `${base}/api/v1/authorize`,
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ permission: 'profiles.profiles.view' }),
      connections: 50,
      overallRate: Number(values.rate),
      duration: seconds,
    }),
  );

  const after = await within();
  const share = (key: keyof typeof after) => `${((100 * (after[key] - before[key])) / Math.max(1, after.all - before.all)).toFixed(2)} %`;

  console.log(`OpenID Provider over ${seconds} s, ${connections} connections, server on CPUs "${values.cpus || 'all'}" of ${cpus().length}, node ${process.version}, ${new Date().toISOString()}`);
  console.table(rows);
  console.log('JWT decisions as the server timed them (its histogram):');
  console.table({ 'answered within 1 ms': share('ms1'), 'within 2.5 ms': share('ms2_5'), 'within 5 ms': share('ms5') });
} finally {
  await database.end();
  await server.stop();
  await scratch.drop();
}
