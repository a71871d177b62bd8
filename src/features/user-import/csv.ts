import { parse } from 'csv-parse/sync';
import { fieldError, Problem, type FieldError, type Text } from '../../platform/http/problems.ts';

// The CSV format of users, shared by the export and the import, so an exported file imports as is.
// `configuration` holds the rights configuration's stable key (e.g. `reviewer`), not its name, which
// an operator may rename; the import also takes the name, for files typed by hand. `entityGroup` holds
// the group's name (groups have no code; names are unique in a licence), and the import also takes
// the code of an entity for the group of that entity alone. `defaultEntity` holds the entity's code.

export const COLUMNS = ['login', 'firstName', 'lastName', 'email', 'mobile', 'language', 'gender', 'configuration', 'entityGroup', 'defaultEntity'] as const;
export type Column = (typeof COLUMNS)[number];
const REQUIRED_COLUMNS: readonly Column[] = ['login', 'firstName', 'lastName', 'email', 'language', 'configuration', 'entityGroup'];

export type CsvUser = Record<Column, string>;
export interface CsvRecord {
  /** The line of the file the record ends on (the header is line 1), as a spreadsheet numbers it. */
  line: number;
  user: CsvUser;
}

/**
 * CSV injection: a spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return
 * before one) as a formula, so a name like `=HYPERLINK(…)` typed by anyone would run on the admin's
 * computer. Such cells are written with a leading apostrophe, which spreadsheets show as text; the
 * import takes that apostrophe off again (an E.164 mobile starts with + and comes back intact).
 */
const FORMULA_START = /^[=+\-@\t\r]/;
export const neutraliseFormula = (value: string) => (FORMULA_START.test(value) ? `'${value}` : value);
const restoreFormula = (value: string) => (value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value);

/** A file refused whole: `message` follows "The file" in English and "Le fichier" in French. */
const fileProblem = (code: string, message: Text, errors: FieldError[] = [fieldError('file', code, message.en)]) =>
  new Problem('validation_failed', { en: `The file ${message.en}`, fr: `Le fichier ${message.fr}` }, { errors });

/** Header names as people type them: `First name`, `first_name` and `FIRSTNAME` all mean firstName. */
const headerKey = (name: string) => name.toLowerCase().replace(/[\s_-]/g, '');
const COLUMN_OF = new Map<string, Column>(COLUMNS.map((column) => [headerKey(column), column]));

/** Bytes to text: only UTF-8 (a byte order mark is welcome); anything else is refused, not guessed. */
function decode(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw fileProblem('invalid_encoding', { en: 'is not UTF-8 text: save it as "CSV UTF-8" and try again', fr: "n'est pas du texte UTF-8 : enregistrez-le au format « CSV UTF-8 » et réessayez" });
  }
}

/** French spreadsheets separate cells with `;`, others with `,`: the header row says which. */
function delimiterOf(text: string): ',' | ';' {
  const header = text.slice(0, text.search(/\r?\n|$/));
  return (header.match(/;/g)?.length ?? 0) > (header.match(/,/g)?.length ?? 0) ? ';' : ',';
}

/** Reads a users CSV file: a header row naming the columns, then one user per row. */
export function readUsersCsv(body: Buffer): CsvRecord[] {
  const text = decode(body);
  if (text.trim() === '') throw fileProblem('empty', { en: 'is empty', fr: 'est vide' });
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { delimiter: delimiterOf(text), info: true, relax_column_count: true, skip_empty_lines: true, skip_records_with_empty_values: true }) as unknown as typeof rows;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw fileProblem('malformed_csv', { en: `is not valid CSV: ${reason}`, fr: `n'est pas un CSV valide : ${reason}` });
  }
  const [header, ...records] = rows;
  if (header === undefined) throw fileProblem('empty', { en: 'is empty', fr: 'est vide' });
  const positions = new Map<Column, number>();
  header.record.forEach((name, index) => {
    const column = COLUMN_OF.get(headerKey(name));
    if (column !== undefined && !positions.has(column)) positions.set(column, index);
  });
  const missing = REQUIRED_COLUMNS.filter((column) => !positions.has(column));
  if (missing.length > 0) {
    throw fileProblem(
      'missing_column',
      { en: `lacks the required columns ${missing.join(', ')} in its header row`, fr: `n'a pas les colonnes obligatoires ${missing.join(', ')} dans sa ligne d'en-tête` },
      missing.map((column) => fieldError(column, 'missing_column', 'is a required column of the header row')),
    );
  }
  if (records.length === 0) throw fileProblem('empty', { en: 'has a header row but no user', fr: "a une ligne d'en-tête mais aucun utilisateur" });
  return records.map(({ record, info }) => ({
    line: info.lines,
    user: Object.fromEntries(COLUMNS.map((column) => {
      const index = positions.get(column);
      return [column, restoreFormula((index === undefined ? '' : record[index]) ?? '').trim()];
    })) as CsvUser,
  }));
}
