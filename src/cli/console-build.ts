import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONSOLE_DIR } from '../app.ts';
import type { Logger } from '../platform/logger.ts';

// Development only: a server run from the TypeScript sources (`npm run gatehouse -- serve`, the CLI and
// browser tests) builds the console first when the build is missing or older than its sources.
// The compiled server never calls this: `npm run build` (or `prepare`, after `npm install`) built it
// ahead, and production installs leave Vite out.

const WEB_DIR = path.dirname(CONSOLE_DIR);

function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export async function ensureConsoleBuilt(logger: Logger): Promise<void> {
  if (!existsSync(path.join(WEB_DIR, 'index.html'))) return;
  const builtIndex = path.join(CONSOLE_DIR, 'index.html');
  if (existsSync(builtIndex) && statSync(builtIndex).mtimeMs >= newestChange(WEB_DIR)) return;
  logger.info('building the console');
  const result = spawnSync(process.execPath, [path.join(WEB_DIR, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(WEB_DIR, 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: path.join(WEB_DIR, '..'),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) logger.warn('the console could not be built; serving the API only');
}
