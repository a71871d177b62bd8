// The token endpoint's own cost, without sockets: the server built in this process over a scratch
// database, requests handed to it by Fastify's inject (no HTTP parsing by the kernel, no loopback
// TCP), the process's CPU time divided by the grants answered. What `bench/oidc/run.ts` measures
// swings by a third with the machine's neighbours and the kernel's loopback writes; this measures
// the JavaScript a grant runs (Fastify, oidc-provider, Gatehouse's glue, the signature), steadier, to
// compare two trees of the code.
//   node --import tsx bench/oidc/in-process.ts [--grants 20000] [--concurrency 8] [--rounds 3]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { openDatabase } from '../../src/platform/db/client.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createScratchDatabase } from '../scratch-database.ts';

const { values } = parseArgs({ options: { grants: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '8' }, rounds: { type: 'string', default: '3' } } });
const grants = Number(values.grants);
const concurrency = Number(values.concurrency);

const scratch = await createScratchDatabase();
const token = randomBytes(24).toString('hex');
const config = loadConfig({
  DATABASE_URL: scratch.url,
  GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token,
  GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'),
  GATEHOUSE_PUBLIC_URL: 'http://localhost:4000',
  GATEHOUSE_DEMO: 'off',
  LOG_LEVEL: 'info',
});
const database = await openDatabase(config.database);
await migrate(database);
// The production log level, written nowhere: what the server logs is formatted, not printed here.
const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
const app = await buildApp({ config, database, logger: createLogger(config.logLevel, sink), serveConsole: false });
await app.server.ready();

try {
  const registered = await app.server.inject({
    method: 'POST',
    url: '/operator/v1/applications',
    headers: { authorization: `Bearer ${token}` },
    payload: { name: 'Bench service', kind: 'service', redirectUris: [], scopes: ['decisions:read'] },
  });
  const service = registered.json<{ clientId: string; clientSecret: string }>();
  const grant = {
    method: 'POST' as const,
    url: '/oidc/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'localhost:4000' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', scope: 'decisions:read', client_id: service.clientId, client_secret: service.clientSecret }).toString(),
  };
  const first = await app.server.inject(grant);
  if (first.statusCode !== 200) throw new Error(`the grant was refused: ${first.statusCode} ${first.body}`);

  const run = async (count: number) => {
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next++ < count) if ((await app.server.inject(grant)).statusCode !== 200) failed++;
    };
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const used = process.cpuUsage(cpu);
    return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started, failed };
  };

  await run(Math.min(5000, grants)); // warm-up: the code optimised, the caches filled
  const rows = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    const { cpuMs, wallMs, failed } = await run(grants);
    rows.push({ round, 'CPU µs per grant': Math.round((cpuMs * 1000) / grants), 'grants per CPU-second': Math.round(grants / (cpuMs / 1000)), 'wall s': (wallMs / 1000).toFixed(1), refused: failed });
  }
  console.log(`client-credential grants in process (inject), ${grants} per round, ${concurrency} at once, node ${process.version}, ${new Date().toISOString()}`);
  console.table(rows);
} finally {
  await app.close();
  await database.close();
  await scratch.drop();
}
