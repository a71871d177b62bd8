import { StringDecoder } from 'node:string_decoder';
import type { DatabaseHandle, RawExec } from '../../platform/db/client.ts';
import { FORMAT, FORMAT_VERSION, type ExportHeader } from './export.ts';
import type { Sealer } from '../../platform/encryption.ts';
import { noProgress, type Progress } from './progress.ts';
import { opensWith, passesKeyCheck } from './sealed-values.ts';
import { BackupError, quoteName, readSchema, type Schema, type TableShape } from './tables.ts';

// `gatehouse import`: reads an export line by line (never the whole file) into a database that does
// not hold what it brings: the platform-wide tables in one transaction, then each licence in its own.
// Everything that can be checked before writing is checked first (format, migrations, licences
// already present, platform tables not empty), so a refusal leaves the database as it was; a file
// found broken midway rolls back the licence it was in, and the message says what was imported.

const BATCH_ROWS = 200;
/** Rows with bytea may be megabytes each: a few per statement. */
const LARGE_BATCH_ROWS = 4;

export interface ImportOptions {
  /** The importing installation's key ring: every sealed value of the file must open with it. */
  sealer: Sealer;
  /** Only this licence of the file (by code). */
  licenceCode?: string;
  progress?: (totals: Record<string, number>) => Progress;
}

export interface ImportSummary {
  platform: boolean;
  licences: string[];
  rows: number;
}

type Line = { number: number; text: string };

/**
 * The lines of a stream, read as they are consumed: the stream is asked for more only when the
 * import has written what it read (readline's iterator reads ahead and keeps every line it has not
 * handed out yet). A long line (a Transfer Box item) is gathered in pieces, joined once.
 */
export async function* readLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending: string[] = [];
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      pending.push(text.slice(start, end));
      yield pending.join('');
      pending = [];
      start = end + 1;
    }
    if (start < text.length) pending.push(text.slice(start));
  }
  pending.push(decoder.end());
  const last = pending.join('');
  if (last !== '') yield last;
}

/** The file's lines, numbered, one at a time. */
class LineReader {
  private number = 0;
  private readonly iterator: AsyncIterator<string>;
  constructor(lines: AsyncIterable<string>) {
    this.iterator = lines[Symbol.asyncIterator]();
  }
  async next(): Promise<Line | null> {
    for (;;) {
      const result = await this.iterator.next();
      if (result.done) return null;
      this.number++;
      // A trailing empty line (or CRLF endings) is not an error.
      const text = result.value.endsWith('\r') ? result.value.slice(0, -1) : result.value;
      if (text !== '') return { number: this.number, text };
    }
  }
  get lineNumber() {
    return this.number;
  }
}

function parse(line: Line): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch {
    throw new BackupError(`line ${line.number}: not JSON; is this a file written by gatehouse export?`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BackupError(`line ${line.number}: not a line of a Gatehouse export`);
  return value as Record<string, unknown>;
}

function readHeader(line: Line | null): ExportHeader {
  if (line === null) throw new BackupError('the file is empty; is this a file written by gatehouse export?');
  const header = parse(line);
  if (header.format !== FORMAT) throw new BackupError('line 1: not a Gatehouse export (no gatehouse-export header)');
  if (header.formatVersion !== FORMAT_VERSION) throw new BackupError(`line 1: export format ${String(header.formatVersion)}, this Gatehouse reads format ${FORMAT_VERSION}`);
  const valid =
    Array.isArray(header.migrations) &&
    header.migrations.every((name) => typeof name === 'string') &&
    Array.isArray(header.licences) &&
    header.licences.every((licence) => typeof licence?.id === 'string' && typeof licence?.code === 'string') &&
    typeof header.rows === 'object' &&
    header.rows !== null &&
    (header.scope === 'installation' || typeof (header.scope as { licence?: unknown })?.licence === 'string') &&
    typeof (header.sealedWith as { keyCheck?: unknown } | undefined)?.keyCheck === 'string';
  if (!valid) throw new BackupError('line 1: the export header is incomplete');
  return header as unknown as ExportHeader;
}

/** What the database must not hold yet, checked before anything is written. */
async function checkTarget(database: DatabaseHandle, header: ExportHeader, licences: ExportHeader['licences'], importPlatform: boolean): Promise<Schema> {
  return database.inScriptTransaction(async (exec) => {
    const applied = (await exec('SELECT name FROM schema_migrations ORDER BY name')).rows.map((row) => String(row.name));
    if (applied.join() !== [...header.migrations].sort().join()) {
      throw new BackupError(`the export was written by Gatehouse ${header.gatehouse} (last migration ${header.migrations.at(-1) ?? 'none'}), this database is at ${applied.at(-1) ?? 'none'}: import with the Gatehouse version that exported`);
    }
    const schema = await readSchema(exec);
    const present = await exec('SELECT code FROM licences WHERE id = ANY($1::uuid[]) OR code = ANY($2::text[]) ORDER BY code', [licences.map((licence) => licence.id), licences.map((licence) => licence.code)]);
    if (present.rows.length > 0) {
      throw new BackupError(`licence ${present.rows.map((row) => `"${String(row.code)}"`).join(', ')} exists already in this database; import refuses to overwrite (nothing was imported)`);
    }
    if (importPlatform) {
      const held: string[] = [];
      for (const table of schema.tables.filter((shape) => shape.licenceColumn === null)) {
        const { rows } = await exec(`SELECT count(*)::int AS count FROM ${quoteName(table.name)}`);
        if (Number(rows[0]?.count) > 0) held.push(`${table.name}: ${String(rows[0]?.count)}`);
      }
      if (held.length > 0) {
        throw new BackupError(`this database already holds platform data (${held.join(', ')}): import a whole installation into a new database, or one licence with --licence CODE (nothing was imported)`);
      }
    }
    return schema;
  });
}

interface Section {
  kind: 'platform' | 'licence';
  id: string | null;
  code: string | null;
}

const sectionName = (section: Section) => (section.kind === 'platform' ? 'the platform tables' : `licence "${section.code}"`);

/** Inserts a batch of rows of one table, as PostgreSQL reads them back from row_to_json. */
async function insertRows(exec: RawExec, table: TableShape, rows: string[]): Promise<void> {
  const columns = table.insertable.map(quoteName).join(', ');
  // OVERRIDING SYSTEM VALUE keeps identity columns' own values (password history ids).
  await exec(`INSERT INTO ${quoteName(table.name)} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM json_populate_recordset(NULL::${quoteName(table.name)}, $1::json)`, [`[${rows.join(',')}]`]);
}

/** Sequences past the imported values, so rows created afterwards do not collide with them. */
async function advanceSequences(exec: RawExec, tables: Iterable<TableShape>): Promise<void> {
  for (const table of tables) {
    for (const { column, sequence } of table.sequences) {
      await exec(
        `SELECT setval($1::regclass, m) FROM (SELECT max(${quoteName(column)})::bigint AS m FROM ${quoteName(table.name)}) imported
         WHERE m IS NOT NULL AND m > (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ${sequence})`,
        [sequence],
      );
    }
  }
}

/** The raw text of a row as the export wrote it, so numbers and text reach PostgreSQL untouched. */
function rowText(line: Line, table: string, row: unknown): string {
  const prefix = `{"table":${JSON.stringify(table)},"row":`;
  if (line.text.startsWith(prefix) && line.text.endsWith('}')) return line.text.slice(prefix.length, -1);
  return JSON.stringify(row);
}

/** Checks a row line against the schema and the section it is in; answers its table. */
function checkRow(line: Line, value: Record<string, unknown>, schema: Map<string, TableShape>, section: Section, licenceIds: ReadonlySet<string>): TableShape {
  const table = typeof value.table === 'string' ? schema.get(value.table) : undefined;
  if (table === undefined) throw new BackupError(`line ${line.number}: unknown table ${JSON.stringify(value.table)}`);
  const row = value.row;
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new BackupError(`line ${line.number}: a ${table.name} line without its row`);
  const keys = Object.keys(row);
  const missing = table.columns.filter((column) => !keys.includes(column));
  const extra = keys.filter((key) => !table.columns.includes(key));
  if (missing.length > 0 || extra.length > 0) {
    throw new BackupError(`line ${line.number}: a ${table.name} row ${missing.length > 0 ? `without ${missing.join(', ')}` : `with unknown ${extra.join(', ')}`}`);
  }
  // A row may only land in the section it claims: a licence's rows never in another licence.
  const owner = table.licenceColumn === null ? null : (row as Record<string, unknown>)[table.licenceColumn];
  // The platform's rows of a tenant table name no licence of the export (null, or the platform's nil id).
  const belongs = section.kind === 'platform' ? table.licenceColumn !== 'id' && !licenceIds.has(String(owner)) : table.licenceColumn !== null && owner === section.id;
  if (!belongs) throw new BackupError(`line ${line.number}: a ${table.name} row that does not belong to ${sectionName(section)}`);
  return table;
}

export async function importBackup(database: DatabaseHandle, lines: AsyncIterable<string>, options: ImportOptions): Promise<ImportSummary> {
  const reader = new LineReader(lines);
  const header = readHeader(await reader.next());
  const wanted = options.licenceCode === undefined ? header.licences : header.licences.filter((licence) => licence.code === options.licenceCode);
  if (options.licenceCode !== undefined && wanted.length === 0) throw new BackupError(`the file holds no licence "${options.licenceCode}" (it holds ${header.licences.map((licence) => licence.code).sort().join(', ') || 'none'})`);
  const importPlatform = header.scope === 'installation' && options.licenceCode === undefined;
  if (!passesKeyCheck(options.sealer, header.sealedWith.keyCheck)) {
    throw new BackupError(`the export was sealed with secret key ${header.sealedWith.keyId}, which is not in this installation's key ring (current ${options.sealer.currentKeyId}): set GATEHOUSE_SECRET_KEYS to include the exporting installation's key (nothing was imported)`);
  }
  const shapes = await checkTarget(database, header, wanted, importPlatform);
  const schema = new Map(shapes.tables.map((table) => [table.name, table]));
  const licenceIds = new Set(header.licences.map((licence) => licence.id));
  const progress = options.progress?.(header.rows) ?? noProgress;
  const summary: ImportSummary = { platform: false, licences: [], rows: 0 };
  const imported = () => [summary.platform ? 'the platform tables' : null, ...summary.licences.map((code) => `licence "${code}"`)].filter((name) => name !== null).join(', ') || 'nothing';

  /** One section in one transaction: rows in batches, checked against the count the export wrote. */
  const importSection = (section: Section) =>
    database.inScriptTransaction(async (exec) => {
      let batch: string[] = [];
      let batchTable: TableShape | null = null;
      const touched = new Set<TableShape>();
      let count = 0;
      const flush = async () => {
        if (batchTable !== null && batch.length > 0) await insertRows(exec, batchTable, batch);
        if (batchTable !== null) progress.add(batchTable.name, batch.length);
        batch = [];
      };
      for (;;) {
        const line = await reader.next();
        if (line === null) throw new BackupError(`the file ends inside ${sectionName(section)} (line ${reader.lineNumber}): it was cut short`);
        const value = parse(line);
        if (value.commit !== undefined) {
          if (value.commit !== section.kind || value.rows !== count) throw new BackupError(`line ${line.number}: ${sectionName(section)} ends with ${String(value.rows)} rows, ${count} were read`);
          await flush();
          await advanceSequences(exec, touched);
          return count;
        }
        const table = checkRow(line, value, schema, section, licenceIds);
        if (!opensWith(options.sealer, table.name, value.row as Record<string, unknown>)) {
          throw new BackupError(`line ${line.number}: a sealed value of ${table.name} does not open with this installation's key ring: add the key that sealed it to GATEHOUSE_SECRET_KEYS`);
        }
        if (table !== batchTable || batch.length >= (table.large ? LARGE_BATCH_ROWS : BATCH_ROWS)) await flush();
        batchTable = table;
        touched.add(table);
        batch.push(rowText(line, table.name, value.row));
        count++;
      }
    });

  /** Reads past a section this import does not take. */
  const skipSection = async (section: Section) => {
    for (;;) {
      const line = await reader.next();
      if (line === null) throw new BackupError(`the file ends inside ${sectionName(section)}: it was cut short`);
      if (!line.text.startsWith('{"table":') && parse(line).commit !== undefined) return;
    }
  };

  try {
    for (;;) {
      const line = await reader.next();
      if (line === null) throw new BackupError(`the file ends at line ${reader.lineNumber} without its last line: it was cut short`);
      const value = parse(line);
      if (value.end === true) {
        // The file is whole; an import of one licence had no reason to count the others' rows.
        progress.done();
        return summary;
      }
      if (value.begin === 'platform') {
        const section: Section = { kind: 'platform', id: null, code: null };
        if (!importPlatform) await skipSection(section);
        else {
          summary.rows += await importSection(section).catch((error: unknown) => failed(error, section));
          summary.platform = true;
        }
        continue;
      }
      if (value.begin === 'licence' && typeof value.id === 'string' && typeof value.code === 'string') {
        const section: Section = { kind: 'licence', id: value.id, code: value.code };
        if (!wanted.some((licence) => licence.id === section.id)) await skipSection(section);
        else {
          summary.rows += await importSection(section).catch((error: unknown) => failed(error, section));
          summary.licences.push(value.code);
        }
        continue;
      }
      throw new BackupError(`line ${line.number}: expected the start of a section`);
    }
  } catch (error) {
    if (error instanceof BackupError && summary.rows > 0) throw new BackupError(`${error.message} (imported before it: ${imported()})`);
    throw error;
  }

  function failed(error: unknown, section: Section): never {
    if (error instanceof BackupError) throw new BackupError(`${sectionName(section)} not imported: ${error.message}`);
    // A constraint the database keeps (a duplicate, a missing reference): its own words, in one line.
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new BackupError(`${sectionName(section)} not imported: ${message}`);
  }
}
