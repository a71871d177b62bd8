import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import * as schema from './schema.ts';

// The SQL migrations are the truth; the Drizzle schema must name the same columns.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const tables: PgTable[] = (Object.values(schema) as unknown[]).filter((value): value is PgTable => is(value, PgTable));

describe('the Drizzle schema', () => {
  it.each(tables.map((table) => [getTableName(table), table] as const))('matches the migrated columns of %s', async (name, table) => {
    const migrated = await database.handle.inScriptTransaction(async (exec) =>
      (await exec("SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", [name])).rows,
    );
    const expected = Object.values(getTableColumns(table)).map((column) => [column.name, column.notNull ? 'NO' : 'YES']);
    expect(migrated.map((row) => [row.column_name, row.is_nullable]).sort()).toEqual(expected.sort());
  });

  it('keys every tenant table by licence_id first', async () => {
    const keys = await database.handle.inScriptTransaction(async (exec) =>
      (
        await exec(`
          SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
          JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
          WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() AND kcu.ordinal_position = 1`)
      ).rows,
    );
    const firstKey = Object.fromEntries(keys.map((row) => [row.table_name, row.column_name]));
    for (const table of ['entities', 'entity_groups', 'entity_group_members', 'rights_configurations', 'users', 'sessions', 'password_tokens']) {
      expect(firstKey[table], table).toBe('licence_id');
    }
  });
});
