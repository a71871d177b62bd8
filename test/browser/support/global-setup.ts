import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { makePgliteTemplate } from '../../support/database-template.ts';
import { compiledServerArgs } from '../../support/process.ts';

// Before any journey: the server and the console built as `npm start` serves them (built again only
// when older than their sources), and one migrated embedded database that every journey's server
// starts from a copy of, rather than each running initdb and every migration again.

declare module 'vitest' {
  export interface ProvidedContext {
    /** `node` arguments that serve the compiled server, as `npm start` does. */
    serverArgs: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  project.provide('serverArgs', compiledServerArgs());
  const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-browser-template-'));
  const template = await makePgliteTemplate(dir);
  project.provide('pgliteDirTemplate', template.dataDir);
  return () => rmSync(dir, { recursive: true, force: true });
}
