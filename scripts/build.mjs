#!/usr/bin/env node
// Builds what production runs: the server compiled to dist/ (tsc, then the files it reads beside its
// code: SQL migrations, the common-password list) and the console to web/dist (Vite). Plain
// JavaScript, so it also runs where the development dependencies were left out.
//
//   node scripts/build.mjs                 build now (`npm run build`)
//   node scripts/build.mjs --when-stale    build only when the build is missing or older than its
//                                          sources; without the build tools (`npm ci --omit=dev`),
//                                          keep the build there is (`prepare`, after every install)
//   ... --when-stale --required            the same, but stop when there is no build and no way to
//                                          make one (`prestart`: nothing to serve)
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
const SOURCES = ['src', 'web', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
const SKIPPED = new Set(['dist', 'node_modules']);
// Non-TypeScript files the server reads relative to its own module (import.meta.url).
const ASSETS = ['platform/db/migrations', 'core/data'];

const args = new Set(process.argv.slice(2));

function newestChange(file) {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(file)) {
    if (!SKIPPED.has(entry)) newest = Math.max(newest, newestChange(path.join(file, entry)));
  }
  return newest;
}

function buildIsCurrent() {
  if (!existsSync(STAMP) || !existsSync(path.join(ROOT, 'web', 'dist', 'index.html'))) return false;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.every((source) => newestChange(path.join(ROOT, source)) <= built);
}

// The development dependencies' own command files, as npm installs them (absent with --omit=dev).
function tool(file) {
  const full = path.join(ROOT, 'node_modules', file);
  return existsSync(full) ? full : null;
}

// NODE_ENV=production whoever asks (a test runner sets NODE_ENV=test, which would give React's
// development build to the console).
function run(script, scriptArgs) {
  const result = spawnSync(process.execPath, [script, ...scriptArgs], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function build(tsc, vite) {
  const started = Date.now();
  rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
  console.log('gatehouse build: compiling the server to dist/');
  run(tsc, ['-p', 'tsconfig.build.json']);
  for (const asset of ASSETS) cpSync(path.join(ROOT, 'src', asset), path.join(ROOT, 'dist', asset), { recursive: true, filter: (file) => !file.endsWith('.ts') });
  console.log('gatehouse build: building the console to web/dist/');
  run(vite, ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  console.log(`gatehouse build: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const tsc = tool('typescript/bin/tsc');
const vite = tool('vite/bin/vite.js');
const tools = tsc !== null && vite !== null;

if (!args.has('--when-stale')) {
  if (!tools) {
    console.error('gatehouse build: TypeScript and Vite are development dependencies: run `npm ci` (without --omit=dev) first');
    process.exit(1);
  }
  build(tsc, vite);
} else if (buildIsCurrent()) {
  // Up to date: nothing to do.
} else if (tools) {
  build(tsc, vite);
} else if (existsSync(path.join(ROOT, 'dist', 'cli', 'main.js')) && existsSync(path.join(ROOT, 'web', 'dist', 'index.html'))) {
  // A production install (no development dependencies) keeps the build made before it.
} else if (args.has('--required')) {
  console.error('gatehouse: there is no build to run (dist/ and web/dist/), and the development dependencies that make one are not installed.\n'
    + '  Build before leaving them out: npm ci && npm run build && npm prune --omit=dev (see the README, "Production install").');
  process.exit(1);
} else {
  console.warn('gatehouse: no build yet and no build tools (installed with --omit=dev): `npm start` will refuse to start until one is made (see the README, "Production install").');
}
