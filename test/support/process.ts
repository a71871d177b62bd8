import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from './wait.ts';

// Gatehouse as separate server processes, for what only several processes can show.

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export interface ServerProcess {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let built = false;

/**
 * The server (dist/) and the console (web/dist/) built when missing or older than their sources, as
 * `prestart` does; checked once per process (the test suite's set-up checks before any file runs).
 */
export function ensureBuild(): void {
  if (built) return;
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--when-stale', '--required'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`the build failed (${build.status})`);
  built = true;
}

/** The `gatehouse` command as `npx gatehouse` runs it (bin/gatehouse.js: the compiled server): `node` arguments. */
export function gatehouseCommand(...args: string[]): string[] {
  ensureBuild();
  return [path.join(ROOT, 'bin', 'gatehouse.js'), ...args];
}

/**
 * The arguments of `npm start` (`node <options> dist/cli/main.js serve`, to run in the project's
 * folder), the build made first when needed: what benchmarks measure and the browser journeys drive.
 */
export function compiledServerArgs(): string[] {
  ensureBuild();
  const start = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
  if (start[0] !== 'node' || !start.includes('dist/cli/main.js')) throw new Error(`unexpected start script: ${start.join(' ')}`);
  return start.slice(1);
}

/**
 * Waits until the server `child` answers GET /readyz at `url`; a server that exits or never gets
 * there is killed, and the error shows its output.
 */
export async function untilReady(child: ChildProcess, url: string, output: () => string, timeoutMs: number): Promise<void> {
  try {
    await until(
      'GET /readyz',
      async () => {
        if (child.exitCode !== null) throw new Error('the server exited');
        return fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
      },
      timeoutMs,
      100,
    );
  } catch {
    child.kill('SIGKILL');
    throw new Error(`server did not start:\n${output()}`);
  }
}

/** A server process, compiled and started as `npm start` starts it in production. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const serve = compiledServerArgs();
  const child = spawn(process.execPath, [...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []), ...serve], {
    cwd: ROOT,
    env: { ...process.env, GATEHOUSE_DEMO: 'off', GATEHOUSE_BUILD_CONSOLE: 'off', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    return exited;
  };
  await untilReady(child, url, () => output, 30_000);
  return { url, process: child, output: () => output, stop };
}
