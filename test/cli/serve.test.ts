import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migratedDataDir } from '../support/data-dir.ts';
import { onPostgres } from '../support/database.ts';
import { gatehouseCommand, untilReady } from '../support/process.ts';
import { until } from '../support/wait.ts';

// The `gatehouse` command as an operator runs it: a real process, real signals, real exit codes.

const CLI = gatehouseCommand();
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A data directory: empty, as on the very first start, or holding a migrated database (the rest). */
const dataDir = (state: 'empty' | 'migrated' = 'migrated') => {
  const dir = state === 'empty' ? mkdtempSync(path.join(tmpdir(), 'gatehouse-cli-')) : migratedDataDir('gatehouse-cli-');
  dirs.push(dir);
  return dir;
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

function run(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [...CLI, ...args], { env: { ...process.env, GATEHOUSE_BUILD_CONSOLE: 'off', ...env }, encoding: 'utf8', timeout: 60_000 });
}

interface Served {
  process: ChildProcess;
  output: () => string;
  url: string;
  exited: Promise<number | null>;
}

const SERVER_START_MS = 90_000;

async function serve(env: Record<string, string>): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [...CLI, 'serve'], { env: { ...process.env, GATEHOUSE_DEMO: 'off', GATEHOUSE_BUILD_CONSOLE: 'off', ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  // Ready is a state we wait for; the deadline only bounds a process that never gets there, and is
  // wide because a start on a machine busy with other test files can take tens of seconds.
  await untilReady(child, url, () => output, SERVER_START_MS);
  return { process: child, output: () => output, url, exited };
}

// Commands on the embedded database whichever database the suite runs on: the PGlite pass runs them.
describe.skipIf(onPostgres)('bad configuration stops the process with a one-line reason and exit code 1', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['a bad PORT', { PORT: 'eighty' }, /PORT must be a whole number/],
    ['a short bootstrap token', { GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: 'too-short' }, /at least 32 characters/],
    ['an unreachable database', { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/nowhere', GATEHOUSE_SECRET_KEY: 'a1'.repeat(32) }, /cannot reach the database/],
    ['a database server without an encryption key', { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/nowhere' }, /GATEHOUSE_SECRET_KEY is required with DATABASE_URL/],
    ['a malformed encryption key', { GATEHOUSE_SECRET_KEY: 'not-a-key' }, /GATEHOUSE_SECRET_KEY must be 64 hex characters/],
  ];
  it.each(cases)('%s', (_name, env, reason) => {
    const result = run(['serve'], { GATEHOUSE_DATA_DIR: dataDir('empty'), ...env });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(reason);
  });
});

describe.skipIf(onPostgres)('gatehouse serve', { timeout: 180_000 }, () => {
  it('creates the demo licence once, printing the admin link and an operator token that works', async () => {
    const dir = dataDir('empty');
    const first = await serve({ GATEHOUSE_DATA_DIR: dir, GATEHOUSE_DEMO: 'on' });
    const link = /set the password of its admin "admin": (\S+)/i.exec(first.output())?.[1];
    const token = /Operator token \(shown once\):\s+(\S+)/.exec(first.output())?.[1];
    expect(link).toMatch(/\/reset-password\?token=/);
    const licences = (await fetch(`${first.url}/operator/v1/licences`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json())) as { items: { code: string }[] };
    expect(licences.items.map((l: { code: string }) => l.code)).toEqual(['demo']);
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // The embedded default keeps its encryption key in the data directory, and reuses it.
    const secretKey = readFileSync(path.join(dir, 'secret.key'), 'utf8');
    expect(secretKey).toMatch(/^[0-9a-f]{64}\n$/);

    const second = await serve({ GATEHOUSE_DATA_DIR: dir, GATEHOUSE_DEMO: 'on' });
    expect(second.output()).not.toContain('Operator token');
    expect(readFileSync(path.join(dir, 'secret.key'), 'utf8')).toBe(secretKey);
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('finishes requests in flight on SIGTERM, then exits cleanly', async () => {
    const served = await serve({ GATEHOUSE_DATA_DIR: dataDir() });
    // A request the server has begun but cannot finish yet: its headers are sent, its body held back.
    // With `Expect: 100-continue` the server says when it has read the headers: then it is in flight.
    const body = JSON.stringify({ licence: 'none', login: 'nobody', password: 'a password that gets hashed' });
    const { hostname, port } = new URL(served.url);
    const socket = connect(Number(port), hostname);
    let received = '';
    const answer = new Promise<string>((resolve, reject) => {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    socket.write(
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: ${served.url.replace('http://', '')}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await until('the server\'s 100 Continue', () => received.startsWith('HTTP/1.1 100 Continue'));
    served.process.kill('SIGTERM');
    await until('the drain to start', () => served.output().includes('finishing requests in flight'));
    socket.write(body);
    expect(await answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 401 /);
    expect(await served.exited).toBe(0);
  });
});

describe.skipIf(onPostgres)('gatehouse operator-token create', { timeout: 180_000 }, () => {
  it('prints a new token once, accepted by the operator API', async () => {
    const dir = dataDir();
    const created = run(['operator-token', 'create', '--name', 'ci'], { GATEHOUSE_DATA_DIR: dir });
    expect(created.status).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^gho_[A-Za-z0-9_-]{43}$/);
    const served = await serve({ GATEHOUSE_DATA_DIR: dir });
    const answer = await fetch(`${served.url}/operator/v1/licences`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    served.process.kill('SIGTERM');
    await served.exited;
  });

  it('explains its usage', () => {
    const result = run(['operator-token', 'create'], { GATEHOUSE_DATA_DIR: dataDir() });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('usage: gatehouse operator-token create --name NAME [--scope SCOPE]... | list | revoke ID');
  });
});

describe.skipIf(onPostgres)('gatehouse operator-token list and revoke', { timeout: 180_000 }, () => {
  it('list the tokens without their secrets, and revoke one so that it is refused', async () => {
    const dir = dataDir();
    const token = run(['operator-token', 'create', '--name', 'leaked'], { GATEHOUSE_DATA_DIR: dir }).stdout.trim();
    const listed = run(['operator-token', 'list'], { GATEHOUSE_DATA_DIR: dir });
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/ {2}leaked {2}\[operator\] {2}created .* {2}last used never\n/);
    expect(listed.stdout).not.toContain(token);
    const id = listed.stdout.split(' ')[0]!;

    const revoked = run(['operator-token', 'revoke', id], { GATEHOUSE_DATA_DIR: dir });
    expect(revoked.stdout).toContain(`revoked leaked (${id})`);
    const unknown = run(['operator-token', 'revoke', 'not-an-id'], { GATEHOUSE_DATA_DIR: dir });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe('gatehouse: operator-token revoke: "not-an-id" is not a token id (see operator-token list)');

    const served = await serve({ GATEHOUSE_DATA_DIR: dir });
    const answer = await fetch(`${served.url}/operator/v1/licences`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(401);
    served.process.kill('SIGTERM');
    await served.exited;
  }, 120_000);
});

describe('several processes starting together on an empty database', () => {
  it.skipIf(!process.env.TEST_DATABASE_URL)('set up the demo licence once, and all of them serve', async () => {
    const { createTestDatabase } = await import('../support/database.ts');
    const database = await createTestDatabase();
    try {
      const env = { DATABASE_URL: database.url!, GATEHOUSE_DEMO: 'on', GATEHOUSE_SECRET_KEY: 'cd'.repeat(32) };
      const servers = await Promise.all([serve(env), serve(env)]);
      const printed = servers.filter((server) => server.output().includes('Operator token (shown once)'));
      expect(printed).toHaveLength(1);
      for (const server of servers) {
        server.process.kill('SIGTERM');
        expect(await server.exited).toBe(0);
      }
    } finally {
      await database.drop();
    }
  });
});
