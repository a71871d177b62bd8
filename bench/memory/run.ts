// Idle memory of one server process after start: the compiled server (`npm run build` first), as
// `npm start` runs it, on PostgreSQL (a scratch database) and on the embedded PGlite (a scratch
// data directory): a first start (migrations, the demo licence seeded, as a fresh install does), then
// a restart on the same database.
//   node --import tsx bench/memory/run.ts [--idle 5] [--only postgres|pglite] [--node-option=--flag]... [--sources]
// The server runs with the Node options of package.json's `start` script, plus any --node-option;
// --sources runs the TypeScript sources through tsx instead (how `npm start` ran before dist/).
// It waits for /readyz, then --idle seconds without a request, then reads the process's resident
// memory (VmRSS of /proc/<pid>/status) and the V8 heap from /metrics.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../../test/support/process.ts';
import { createScratchDatabase } from '../scratch-database.ts';

const { values } = parseArgs({
  options: {
    idle: { type: 'string', default: '5' },
    only: { type: 'string' },
    'node-option': { type: 'string', multiple: true, default: [] },
    sources: { type: 'boolean', default: false },
  },
});
const IDLE_MS = Number(values.idle) * 1000;
const MAIN = path.resolve('dist/cli/main.js');
if (!values.sources && !existsSync(MAIN)) throw new Error('no dist/cli/main.js: run `npm run build` first');
// `node --flag … dist/cli/main.js serve`: the flags between node and the script.
const START = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
const START_OPTIONS = START.includes('dist/cli/main.js') ? START.slice(1, START.indexOf('dist/cli/main.js')) : [];
const NODE_ARGS = [...START_OPTIONS, ...values['node-option']!, ...(values.sources ? ['--import', 'tsx', 'src/cli/main.ts'] : [MAIN]), 'serve'];

const MB = 1024 * 1024;

function statusField(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(line.split(/\s+/)[1]) * 1024;
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? NaN : Number(line.split(' ').at(-1));
}

async function measure(label: string, env: Record<string, string>): Promise<void> {
  const port = await freePort();
  const child = spawn(process.execPath, NODE_ARGS, {
    env: { ...process.env, LOG_LEVEL: 'warn', GATEHOUSE_BUILD_CONSOLE: 'off', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    const started = Date.now();
    while (!(await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false))) {
      if (child.exitCode !== null) throw new Error(`${label}: the server exited with ${child.exitCode}`);
      if (Date.now() - started > 120_000) throw new Error(`${label}: not ready after 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ready = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    // RSS first: reading /metrics allocates a little.
    const rss = statusField(child.pid!, 'VmRSS');
    const peak = statusField(child.pid!, 'VmHWM');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const heapUsed = metric(metrics, 'gatehouse_nodejs_heap_size_used_bytes');
    const heapTotal = metric(metrics, 'gatehouse_nodejs_heap_size_total_bytes');
    const external = metric(metrics, 'gatehouse_nodejs_external_memory_bytes');
    console.log(
      `${label.padEnd(22)} ready in ${(ready / 1000).toFixed(1)} s   idle RSS ${(rss / MB).toFixed(0)} MB (peak ${(peak / MB).toFixed(0)} MB)` +
        `   V8 heap used ${(heapUsed / MB).toFixed(0)} MB of ${(heapTotal / MB).toFixed(0)} MB   external ${(external / MB).toFixed(0)} MB`,
    );
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

console.log(`node ${process.version}, idle ${IDLE_MS / 1000} s: node ${NODE_ARGS.join(' ')}`);
if (values.only !== 'pglite') {
  const database = await createScratchDatabase();
  try {
    const env = { DATABASE_URL: database.url, GATEHOUSE_SECRET_KEY: 'a'.repeat(64) };
    await measure('postgres, first start', env);
    await measure('postgres, restart', env);
  } finally {
    await database.drop();
  }
}
if (values.only !== 'postgres') {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-memory-'));
  try {
    await measure('pglite, first start', { GATEHOUSE_DATA_DIR: dataDir });
    await measure('pglite, restart', { GATEHOUSE_DATA_DIR: dataDir });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
