// Client-credential token grants per second through HTTP: one Gatehouse server process on the local
// PostgreSQL (a scratch database), autocannon in this process.
//   node --import tsx bench/tokens/run.ts [--seconds 20] [--connections 8]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { HttpClient } from '../../test/support/http.ts';
import { startServerProcess } from '../../test/support/process.ts';
import { createScratchDatabase } from '../scratch-database.ts';
import { until } from '../../test/support/wait.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, connections: { type: 'string', default: '8' } } });
const scratch = await createScratchDatabase();
const url = scratch.url;

const token = randomBytes(24).toString('hex');
const server = await startServerProcess({ DATABASE_URL: url.toString(), GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token, GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'), LOG_LEVEL: 'debug' });
try {
  const operator = new HttpClient(server.url).withBearer(token);
  await operator.post('/operator/v1/licences', {
    code: 'bench',
    name: 'Bench',
    seatLimit: 10,
    admin: { login: 'admin', firstName: 'Bench', lastName: 'Admin', email: 'admin@bench.example', language: 'en' },
  });
  // The admin signs in from the welcome link the server wrote to its log, then asks for an account
  // whose holder has no console account, so the secret goes "by SMS" — to the log, read from there.
  const waitFor = (pattern: RegExp) => until(`${pattern} in the log`, () => pattern.exec(server.output())?.[1], 10_000, 100);
  const link = await waitFor(/reset-password\?token=([A-Za-z0-9_-]+)/);
  const console_ = new HttpClient(server.url);
  await console_.post('/api/v1/auth/password-reset/complete', { token: link, password: 'benchmark passphrase' });
  const login = await console_.post('/api/v1/auth/login', { licence: 'bench', login: 'admin', password: 'benchmark passphrase' });
  console_.csrfToken = login.body.csrfToken;
  const request = await console_.post('/api/v1/api-account-requests', { login: 'bench-ws', holder: { firstName: 'B', lastName: 'W', email: 'holder@elsewhere.example', mobile: '+33612345678' } });
  const configurations = (await console_.get('/api/v1/rights-configurations')).body;
  const groups = (await console_.get('/api/v1/entity-groups')).body;
  await operator.post(`/operator/v1/api-account-requests/${request.body.id}/fulfil`, {
    configurationId: configurations.find((c: { key: string }) => c.key === 'reviewer').id,
    entityGroupId: groups[0].id,
  });
  const secret = await waitFor(/bench\/bench-ws, secret: ([A-Za-z0-9_-]+)/);

  const basic = `Basic ${Buffer.from(`bench/bench-ws:${secret}`).toString('base64')}`;
  const result = await autocannon({
    url: `${server.url}/api/v1/auth/token`,
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    connections: Number(values.connections),
    duration: Number(values.seconds),
  });
  const non2xx = result.non2xx;
  console.log(`token grants over ${values.seconds} s, ${values.connections} connections, node ${process.version}, ${new Date().toISOString()}`);
  console.table({
    'grants/s (mean)': result.requests.average.toFixed(0),
    'latency p50 ms': result.latency.p50,
    'latency p99 ms': result.latency.p99,
    'non-2xx answers': non2xx,
    'total grants': result.requests.total,
  });
} finally {
  await server.stop();
  await scratch.drop();
}
