import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import type { DatabaseHandle, RawExec } from '../../platform/db/client.ts';
import type { Sealer } from '../../platform/encryption.ts';
import { noProgress, type Progress } from './progress.ts';
import { keyCheckOf, opensWith, SEALED_COLUMNS } from './sealed-values.ts';
import { BackupError, quoteName, readSchema, type TableShape } from './tables.ts';

// `gatehouse export`: the installation (or one licence) as JSON lines, read in one consistent
// snapshot, table by table in primary-key pages, so memory holds one page whatever the size.
//
//   {"format":"gatehouse-export",...}                 header: versions, scope, licences, row counts
//   {"begin":"platform"}                                platform-wide tables (whole installation only)
//   {"table":"catalog_releases","row":{...}}            one row, as PostgreSQL's row_to_json writes it
//   {"commit":"platform","rows":12}
//   {"begin":"licence","id":"...","code":"acme"}        one licence: its own rows of every table
//   ...
//   {"commit":"licence","code":"acme","rows":345}
//   {"end":true,"rows":357}
//
// Rows are written by PostgreSQL itself (row_to_json, in UTC, bytea as hex), so bytea, jsonb, arrays
// and timestamps (to the microsecond) come back exactly. Sealed values (authenticator secrets,
// Transfer Box items, signing keys) are written sealed: they open only with the same secret key.

export const FORMAT = 'gatehouse-export';
export const FORMAT_VERSION = 1;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const GATEHOUSE_VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const PAGE_ROWS = 500;
/** Tables with bytea (Transfer Box items of up to 10 MiB) are read a few rows at a time. */
const LARGE_PAGE_ROWS = 4;

export interface ExportHeader {
  format: typeof FORMAT;
  formatVersion: number;
  gatehouse: string;
  migrations: string[];
  scope: 'installation' | { licence: string };
  exportedAt: string;
  licences: { id: string; code: string }[];
  /** Rows per table in the export, for the importer's progress and checks. */
  rows: Record<string, number>;
  /** The fingerprint of the key that sealed (see encryption.ts) and a value it sealed, for the importer to try. */
  sealedWith: { keyId: string; keyCheck: string };
}

export interface ExportOptions {
  /** The installation's key ring: the export says which key sealed its values, so an import can check its own. */
  sealer: Sealer;
  /** Only this licence (by code), without the platform-wide tables. */
  licenceCode?: string;
  progress?: (totals: Record<string, number>) => Progress;
}

/** Writes a line, waiting when the reader is slower than the database. */
async function writeLine(out: Writable, line: string): Promise<void> {
  if (out.write(`${line}\n`)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      out.off('drain', done);
      out.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    out.once('drain', done);
    out.once('error', done);
  });
}

/**
 * Which rows of a table (aliased t) a section holds: a licence's, or the platform's, which are those
 * naming no licence (null, or the platform's own nil id that 0013_citus_ready.sql files them under).
 */
function scopeFilter(table: TableShape, licenceId: string | null, parameter: number): { sql: string; params: unknown[] } {
  if (table.licenceColumn === null) return { sql: 'true', params: [] };
  if (licenceId === null) return { sql: `NOT EXISTS (SELECT 1 FROM licences l WHERE l.id = t.${quoteName(table.licenceColumn)})`, params: [] };
  return { sql: `t.${quoteName(table.licenceColumn)} = $${parameter}::uuid`, params: [licenceId] };
}

/** Every row of the table in the section, page by page in primary-key order. */
async function* rowsOf(exec: RawExec, table: TableShape, licenceId: string | null): AsyncGenerator<string> {
  const key = table.primaryKey.map((column) => `t.${quoteName(column.name)}`).join(', ');
  const keyText = table.primaryKey.map((column, index) => `t.${quoteName(column.name)}::text AS k${index}`).join(', ');
  const limit = table.large ? LARGE_PAGE_ROWS : PAGE_ROWS;
  let after: string[] | null = null;
  for (;;) {
    const scope = scopeFilter(table, licenceId, 1);
    const params: unknown[] = [...scope.params];
    let keyset = 'true';
    if (after !== null) {
      const first = params.length + 1;
      keyset = `(${key}) > (${table.primaryKey.map((column, index) => `$${first + index}::${column.type}`).join(', ')})`;
      params.push(...after);
    }
    const { rows } = await exec(`SELECT row_to_json(t)::text AS "row", ${keyText} FROM ${quoteName(table.name)} t WHERE ${scope.sql} AND ${keyset} ORDER BY ${key} LIMIT ${limit}`, params);
    for (const row of rows) yield String(row.row);
    if (rows.length < limit) return;
    const last = rows[rows.length - 1]!;
    after = table.primaryKey.map((_column, index) => String(last[`k${index}`]));
  }
}

/** Rows of the table the export holds: the platform's (whole installation) and the licences'. */
async function countRows(exec: RawExec, table: TableShape, licenceIds: string[] | 'all'): Promise<number> {
  if (table.licenceColumn === null) {
    if (licenceIds !== 'all') return 0;
    const { rows } = await exec(`SELECT count(*)::text AS count FROM ${quoteName(table.name)}`);
    return Number(rows[0]?.count ?? 0);
  }
  const column = `t.${quoteName(table.licenceColumn)}`;
  const where = licenceIds === 'all' ? 'true' : `${column} = ANY($1::uuid[])`;
  const { rows } = await exec(`SELECT count(*)::text AS count FROM ${quoteName(table.name)} t WHERE ${where}`, licenceIds === 'all' ? [] : [licenceIds]);
  return Number(rows[0]?.count ?? 0);
}

export interface ExportSummary {
  licences: number;
  rows: number;
}

export async function exportBackup(database: DatabaseHandle, out: Writable, options: ExportOptions): Promise<ExportSummary> {
  return database.inScriptTransaction(async (exec) => {
    // One snapshot for the whole export: rows written at the end agree with rows written first.
    await exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await exec("SET LOCAL TIME ZONE 'UTC'");
    await exec("SET LOCAL bytea_output = 'hex'");
    // Pages are read along the primary key's index: without it, a planner with stale statistics (the
    // embedded database never analyses on its own) sorts every remaining row for each page.
    await exec('SET LOCAL enable_sort = off');
    await exec('SET LOCAL enable_bitmapscan = off');
    const schema = await readSchema(exec);
    const migrations = (await exec('SELECT name FROM schema_migrations ORDER BY name')).rows.map((row) => String(row.name));
    const licenceRows =
      options.licenceCode === undefined
        ? await exec('SELECT id::text AS id, code FROM licences ORDER BY id')
        : await exec('SELECT id::text AS id, code FROM licences WHERE code = $1', [options.licenceCode]);
    const licences = licenceRows.rows.map((row) => ({ id: String(row.id), code: String(row.code) }));
    if (options.licenceCode !== undefined && licences.length === 0) throw new BackupError(`no licence "${options.licenceCode}" in this database`);
    const wholeInstallation = options.licenceCode === undefined;

    const rows: Record<string, number> = {};
    for (const table of schema.tables) {
      rows[table.name] = await countRows(exec, table, wholeInstallation ? 'all' : licences.map((licence) => licence.id));
    }
    const header: ExportHeader = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      gatehouse: GATEHOUSE_VERSION,
      migrations,
      scope: wholeInstallation ? 'installation' : { licence: options.licenceCode! },
      exportedAt: new Date().toISOString(),
      licences,
      rows,
      sealedWith: { keyId: options.sealer.currentKeyId, keyCheck: keyCheckOf(options.sealer) },
    };
    await writeLine(out, JSON.stringify(header));
    const progress = options.progress?.(rows) ?? noProgress;

    let total = 0;
    const section = async (licenceId: string | null) => {
      let count = 0;
      for (const table of schema.tables) {
        // The platform section has no licence row; a licence's section has no platform table.
        if (licenceId === null ? table.licenceColumn === 'id' : table.licenceColumn === null) continue;
        const prefix = `{"table":${JSON.stringify(table.name)},"row":`;
        const sealed = table.name in SEALED_COLUMNS;
        for await (const row of rowsOf(exec, table, licenceId)) {
          // A backup whose sealed values no key opens is no backup: the ring must be the one that sealed them.
          if (sealed && !opensWith(options.sealer, table.name, JSON.parse(row) as Record<string, unknown>)) {
            throw new BackupError(`a sealed value of ${table.name} does not open with this installation's key ring: export with the key that sealed it in GATEHOUSE_SECRET_KEYS`);
          }
          await writeLine(out, `${prefix}${row}}`);
          count++;
          progress.add(table.name, 1);
        }
      }
      total += count;
      return count;
    };

    if (wholeInstallation) {
      await writeLine(out, JSON.stringify({ begin: 'platform' }));
      await writeLine(out, JSON.stringify({ commit: 'platform', rows: await section(null) }));
    }
    for (const licence of licences) {
      await writeLine(out, JSON.stringify({ begin: 'licence', id: licence.id, code: licence.code }));
      await writeLine(out, JSON.stringify({ commit: 'licence', code: licence.code, rows: await section(licence.id) }));
    }
    await writeLine(out, JSON.stringify({ end: true, rows: total }));
    progress.done();
    return { licences: licences.length, rows: total };
  });
}
