import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';

// The schema stays ready to be sharded by licence (Citus, docs/scaling.md): read from the catalog
// after every migration, every key a shard must check by itself holds licence_id. A migration that
// adds a tenant table keyed otherwise, a unique index without licence_id or a foreign key between
// tenant tables that leaves it out fails here.

/** Reference tables: small, read by every shard, copied to every node. */
const REFERENCE_TABLES = ['catalog_releases', 'licences'];

/**
 * Tables that stay on the coordinator, with why (docs/scaling.md): the platform's own, not a
 * licence's, or looked up before any licence is known.
 */
const COORDINATOR_TABLES = {
  operator_tokens: 'the platform operators, no licence',
  operator_sessions: 'the platform operators, no licence',
  applications: 'an application serves every licence',
  signing_keys: 'the OpenID Provider signs for every licence',
  oidc_payloads: 'oidc-provider looks artefacts up by id alone, before any licence is known',
  throttles: 'per client address counters span licences',
  schema_migrations: 'the migrations applied',
} as const;

let database: TestDatabase;
let rows: <T>(text: string) => Promise<T[]>;
beforeAll(async () => {
  database = await createTestDatabase();
  rows = <T,>(text: string) => database.handle.inScriptTransaction(async (exec) => (await exec(text)).rows as T[]);
});
afterAll(() => database.drop());

const isGlobal = (table: string) => REFERENCE_TABLES.includes(table) || table in COORDINATOR_TABLES;

describe('the schema, ready to be sharded by licence', () => {
  it('has licence_id, not null, on every table but the reference and coordinator ones', async () => {
    const tables = await rows<{ table_name: string; is_nullable: string | null }>(`
      SELECT t.table_name, c.is_nullable FROM information_schema.tables t
      LEFT JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'licence_id'
      WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`);
    expect(tables.length).toBeGreaterThan(20);
    const wrong = tables.filter((t) => !isGlobal(t.table_name) && t.is_nullable !== 'NO').map((t) => t.table_name);
    expect(wrong, 'tenant tables whose licence_id is missing or nullable').toEqual([]);
  });

  it('puts licence_id in every primary key and unique index of a tenant table', async () => {
    // Unique constraints are unique indexes too: pg_index covers both, expressions and partial ones included.
    const indexes = await rows<{ table_name: string; index_name: string; columns: string[] | null }>(`
      SELECT t.relname AS table_name, i.relname AS index_name,
             array(SELECT a.attname::text FROM unnest(x.indkey) AS k(n) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n) AS columns
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class t ON t.oid = x.indrelid
      WHERE t.relnamespace = current_schema()::regnamespace AND t.relkind = 'r' AND x.indisunique`);
    const wrong = indexes.filter((index) => !isGlobal(index.table_name) && !(index.columns ?? []).includes('licence_id')).map((index) => index.index_name);
    expect(wrong, 'unique indexes of tenant tables without licence_id').toEqual([]);
  });

  it('joins tenant tables by foreign keys that hold licence_id, and never refers to a coordinator table from one', async () => {
    const keys = await rows<{ name: string; from_table: string; to_table: string; from_columns: string[]; to_columns: string[] }>(`
      SELECT c.conname AS name, f.relname AS from_table, r.relname AS to_table,
             array(SELECT a.attname::text FROM unnest(c.conkey) AS k(n) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS from_columns,
             array(SELECT a.attname::text FROM unnest(c.confkey) AS k(n) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS to_columns
      FROM pg_constraint c
      JOIN pg_class f ON f.oid = c.conrelid
      JOIN pg_class r ON r.oid = c.confrelid
      WHERE c.contype = 'f' AND f.relnamespace = current_schema()::regnamespace`);
    const wrong = keys
      .filter((key) => !(key.from_table in COORDINATOR_TABLES))
      .filter((key) => {
        // A tenant table refers to its licence (a reference table) by licence_id itself.
        if (key.to_table === 'licences') return key.from_columns.join() !== 'licence_id' || key.to_columns.join() !== 'id';
        if (key.to_table in COORDINATOR_TABLES) return true;
        // licence_id matched with licence_id: the two rows are in the same licence, so on the same shard.
        return !key.from_columns.includes('licence_id') || key.from_columns.indexOf('licence_id') !== key.to_columns.indexOf('licence_id');
      })
      .map((key) => `${key.from_table}.${key.name} → ${key.to_table}`);
    expect(wrong, 'foreign keys that would cross shards').toEqual([]);
  });

  it('names every table in one of the three lists of docs/scaling.md', async () => {
    const tables = await rows<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`);
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../docs/scaling.md', import.meta.url), 'utf8');
    const missing = tables.map((t) => t.table_name).filter((name) => name !== 'schema_migrations' && !doc.includes(`\`${name}\``));
    expect(missing, 'tables docs/scaling.md does not place').toEqual([]);
  });
});
