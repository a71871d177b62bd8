#!/usr/bin/env node
// The `gatehouse` command: runs the compiled server (dist/, made by `npm run build`) when there is
// one, otherwise the TypeScript sources through tsx's loader (a development checkout).
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
