import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase, openPglite } from '../../src/platform/db/client.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { ensureBuild } from './process.ts';

// Before any test file runs: the compiled server and console current (the `gatehouse` command and
// the server processes the tests start are the compiled ones, as operators run them), and migrated
// templates. Creating a database from nothing costs an initdb (seconds of WebAssembly for PGlite)
// and every migration; each test file starts from a copy of a template instead:
// - an in-memory PGlite loads the template's data directory from a tar file;
// - a PostgreSQL test database is CREATE DATABASE ... TEMPLATE the migrated one;
// - a server process or a command gets a data directory with the template's embedded database.

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated embedded database as a tar file (in-memory databases load it). */
    pgliteTemplate: string;
    /** The migrated embedded database's directory (data directories copy it as their `pglite`). */
    pgliteDirTemplate: string;
    /** The migrated template database's name, on PostgreSQL (TEST_DATABASE_URL); null on PGlite. */
    postgresTemplate: string | null;
  }
}

export async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A migrated embedded database as a tar file `dir/pglite.tar`, and the same in the directory `dir/pglite`. */
export async function makePgliteTemplate(dir: string): Promise<{ dataDir: string; tar: string }> {
  const inMemory = await openPglite(null);
  let archive: Blob;
  try {
    await migrate(inMemory);
    archive = await inMemory.dumpDataDir();
  } finally {
    await inMemory.close();
  }
  const tar = path.join(dir, 'pglite.tar');
  writeFileSync(tar, Buffer.from(await archive.arrayBuffer()));
  const dataDir = path.join(dir, 'pglite');
  await (await openPglite(dataDir, { loadDataDir: archive })).close();
  return { dataDir, tar };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureBuild();
  const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-test-template-'));
  const pglite = await makePgliteTemplate(dir);
  project.provide('pgliteTemplate', pglite.tar);
  project.provide('pgliteDirTemplate', pglite.dataDir);
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    project.provide('postgresTemplate', null);
    return async () => rmSync(dir, { recursive: true, force: true });
  }
  const name = `gatehouse_template_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString() }, { poolSize: 1 });
  await migrate(handle);
  await handle.close();
  project.provide('postgresTemplate', name);
  return async () => {
    rmSync(dir, { recursive: true, force: true });
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
}
