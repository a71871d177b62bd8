import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { openDatabase, openPglite, type DatabaseHandle } from '../../src/platform/db/client.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { adminQuery } from './database-template.ts';

// Tests run on an in-memory PGlite by default and on PostgreSQL when TEST_DATABASE_URL is set, each
// test file in a database of its own that is dropped afterwards: a copy of the template the suite
// migrated before it started (database-template.ts), or an empty one migrated here without it.

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

export interface TestDatabase {
  handle: DatabaseHandle;
  url: string | null;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const template = inject('pgliteTemplate');
    const handle = await openPglite(null, template === undefined ? {} : { loadDataDir: new Blob([readFileSync(template)]) });
    await migrate(handle);
    return { handle, url: null, drop: () => handle.close() };
  }
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  const template = inject('postgresTemplate') ?? null;
  await adminQuery(serverUrl, template === null ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString() }, { poolSize: 25 });
  await migrate(handle);
  return {
    handle,
    url: url.toString(),
    async drop() {
      await handle.close();
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
