import type { RawExec } from '../../platform/db/client.ts';

// What an export holds, read from the database's own catalog rather than from a list kept by hand:
// every table, its columns, primary key, sequences and foreign keys. A table the catalog shows and
// this file neither exports nor excludes stops the export (and the coverage test), so a migration
// that adds a table cannot leave it silently out of backups.

/** Tables left out of exports, and why. Everything else is exported. */
export const EXCLUDED_TABLES: Readonly<Record<string, string>> = {
  schema_migrations: 'the header names the migrations applied; the importing Gatehouse applies its own',
  throttles: 'failure counters of the last minutes against guessing passwords: they start afresh',
};

/** Tables every export holds, in no particular order (the order comes from the foreign keys). */
export const EXPORTED_TABLES: readonly string[] = [
  'catalog_releases',
  'applications',
  'operator_tokens',
  'operator_sessions',
  'signing_keys',
  'oidc_payloads',
  'licences',
  'entities',
  'entity_groups',
  'entity_group_members',
  'rights_configurations',
  'users',
  'sessions',
  'password_tokens',
  'password_history',
  'outbox',
  'sign_in_challenges',
  'user_totp',
  'passkeys',
  'passkey_challenges',
  'sign_in_accesses',
  'support_visits',
  'audit_events',
  'api_account_requests',
  'api_accounts',
  'api_tokens',
  'transfer_box_items',
  'transfer_box_reads',
  'provisioning_tokens',
];

export class BackupError extends Error {}

export interface TableShape {
  name: string;
  /** Every column, in the table's order (row_to_json's order). */
  columns: string[];
  /** Columns an INSERT may name: not generated. */
  insertable: string[];
  primaryKey: { name: string; type: string }[];
  /**
   * How rows belong to a licence: 'id' for the licences table itself, 'licence_id' for tenant tables
   * (rows where it is null, e.g. platform messages, belong to the platform), null for platform tables.
   */
  licenceColumn: 'id' | 'licence_id' | null;
  /** Sequences feeding columns (serial, identity), set past the imported values after an import. */
  sequences: { column: string; sequence: string }[];
  /** Holds bytea: read in small pages, each row may be megabytes. */
  large: boolean;
}

export interface Schema {
  /** Exported tables, each after the tables its foreign keys point to. */
  tables: TableShape[];
}

export const quoteName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Reads the schema and checks that every table is exported or excluded, and nothing stale is listed. */
export async function readSchema(exec: RawExec): Promise<Schema> {
  const names = (
    await exec(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`,
    )
  ).rows.map((row) => String(row.name));
  const unknown = names.filter((name) => !EXPORTED_TABLES.includes(name) && !(name in EXCLUDED_TABLES));
  if (unknown.length > 0) throw new BackupError(`table ${unknown.join(', ')} is neither exported nor excluded: list it in src/features/backup/tables.ts`);
  const missing = EXPORTED_TABLES.filter((name) => !names.includes(name));
  if (missing.length > 0) throw new BackupError(`table ${missing.join(', ')} is listed for export but not in the database`);

  const shapes = new Map<string, TableShape>();
  for (const name of names.filter((table) => EXPORTED_TABLES.includes(table))) shapes.set(name, await readTable(exec, name));

  const references = (
    await exec(
      `SELECT f.relname AS "from", t.relname AS "to" FROM pg_constraint k
       JOIN pg_class f ON f.oid = k.conrelid JOIN pg_class t ON t.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = f.relnamespace
       WHERE k.contype = 'f' AND n.nspname = current_schema()`,
    )
  ).rows.map((row) => ({ from: String(row.from), to: String(row.to) }));
  for (const { from, to } of references) {
    const source = shapes.get(from);
    const target = shapes.get(to);
    if (source === undefined || target === undefined) continue;
    // Platform rows are imported before any licence: they must not need a licence's rows.
    if (source.licenceColumn === null && target.licenceColumn !== null) throw new BackupError(`platform table ${from} refers to ${to}, a licence's table: export cannot order them`);
  }
  return { tables: dependencyOrder([...shapes.values()], references) };
}

async function readTable(exec: RawExec, name: string): Promise<TableShape> {
  const columns = (
    await exec(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attgenerated <> '' AS generated,
              pg_get_serial_sequence(quote_ident($1), a.attname) AS sequence
       FROM pg_attribute a WHERE a.attrelid = quote_ident($1)::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [name],
    )
  ).rows.map((row) => ({ name: String(row.name), type: String(row.type), generated: row.generated === true, sequence: row.sequence === null ? null : String(row.sequence) }));
  const primaryKey = (
    await exec(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = quote_ident($1)::regclass AND i.indisprimary ORDER BY k.position`,
      [name],
    )
  ).rows.map((row) => ({ name: String(row.name), type: String(row.type) }));
  // Pages are read in primary-key order, the only order that is both total and indexed.
  if (primaryKey.length === 0) throw new BackupError(`table ${name} has no primary key: export cannot page through it`);
  const names = columns.map((column) => column.name);
  return {
    name,
    columns: names,
    insertable: columns.filter((column) => !column.generated).map((column) => column.name),
    primaryKey,
    licenceColumn: name === 'licences' ? 'id' : names.includes('licence_id') ? 'licence_id' : null,
    sequences: columns.flatMap((column) => (column.sequence === null ? [] : [{ column: column.name, sequence: column.sequence }])),
    large: columns.some((column) => column.type === 'bytea'),
  };
}

/** Tables ordered so each comes after those it refers to; a cycle cannot be imported row by row. */
function dependencyOrder(tables: TableShape[], references: { from: string; to: string }[]): TableShape[] {
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const byName = new Map(tables.map((table) => [table.name, table]));
  const visit = (table: TableShape) => {
    if (placed.has(table.name)) return;
    if (visiting.has(table.name)) throw new BackupError(`tables refer to each other in a cycle through ${table.name}: export cannot order them`);
    visiting.add(table.name);
    for (const reference of references) {
      const target = byName.get(reference.to);
      if (reference.from === table.name && reference.to !== table.name && target !== undefined) visit(target);
    }
    visiting.delete(table.name);
    placed.add(table.name);
    ordered.push(table);
  };
  [...tables].sort((a, b) => a.name.localeCompare(b.name)).forEach(visit);
  return ordered;
}
