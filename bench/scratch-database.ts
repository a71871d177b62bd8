import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// Benchmarks run against the local PostgreSQL in a database of their own, dropped afterwards.
// BENCH_DATABASE_URL names the server (default: the machine's PostgreSQL, database test).

/** Scratch databases not dropped yet, by name: the server each is on. */
const undropped = new Map<string, string>();
const dropStatement = (name: string) => `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`;

// A benchmark that fails before it drops its database (a server that did not start, an interrupted
// run) still leaves none behind: the process drops them as it exits, synchronously, through a
// short child process (an exit handler cannot wait for a connection).
process.on('exit', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const script = "import pg from 'pg'; const c = new pg.Client({ connectionString: process.env.SCRATCH_SERVER }); await c.connect(); await c.query(process.env.SCRATCH_DROP); await c.end();";
  for (const [name, serverUrl] of undropped) {
    spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: 'ignore', env: { ...process.env, SCRATCH_SERVER: serverUrl, SCRATCH_DROP: dropStatement(name) } });
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

export async function createScratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `gatehouse_bench_${randomBytes(4).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  undropped.set(name, serverUrl);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await run(dropStatement(name));
      undropped.delete(name);
    },
  };
}
