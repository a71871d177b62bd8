import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDataDir } from '../support/data-dir.ts';
import { onPostgres } from '../support/database.ts';
import { gatehouseCommand } from '../support/process.ts';

// gatehouse export, import and secret-key rotate from a terminal, as an operator runs them: files on
// stdin and stdout, a one-line reason and exit code 1 when they cannot, the database left as it was.

const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-cli-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keyA = randomBytes(32).toString('hex');
const keyB = randomBytes(32).toString('hex');

interface Run {
  status: number | null;
  stdout: string;
  /** stderr without the warning oidc-provider prints on Node 20, which is not the command's. */
  stderr: string;
}

function gatehouse(dataDir: string, env: Record<string, string>, args: string[], io: { stdin?: string; stdout?: string } = {}): Run {
  const stdin = io.stdin === undefined ? 'ignore' : openSync(io.stdin, 'r');
  const stdout = io.stdout === undefined ? 'pipe' : openSync(io.stdout, 'w');
  try {
    const run = spawnSync(process.execPath, gatehouseCommand(...args), {
      env: { ...process.env, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_BUILD_CONSOLE: 'off', LOG_LEVEL: 'warn', DATABASE_URL: '', GATEHOUSE_SECRET_KEY: '', GATEHOUSE_SECRET_KEYS: '', ...env },
      stdio: [stdin, stdout, 'pipe'],
      encoding: 'utf8',
      timeout: 120_000,
    });
    const stderr = (run.stderr ?? '')
      .split('\n')
      .filter((line) => !line.startsWith('oidc-provider WARNING'))
      .join('\n')
      .trim();
    return { status: run.status, stdout: run.stdout ?? '', stderr };
  } finally {
    if (typeof stdin === 'number') closeSync(stdin);
    if (typeof stdout === 'number') closeSync(stdout);
  }
}

// Installations that have started once (a migrated database each), as export and import meet them.
const installations: string[] = [];
afterAll(() => installations.forEach((installation) => rmSync(installation, { recursive: true, force: true })));
const installation = () => {
  const made = migratedDataDir('gatehouse-cli-backup-');
  installations.push(made);
  return made;
};
const source = installation();
const target = installation();
const backup = path.join(dir, 'backup.jsonl');
const withKeyA = { GATEHOUSE_SECRET_KEY: keyA };
const SLOW_SETUP = 120_000;

/** The rows of an installation, through its own export (the header's time stamp aside). */
function rowsOf(dataDir: string, env: Record<string, string> = withKeyA): string[] {
  const file = path.join(dir, `rows-${randomBytes(4).toString('hex')}.jsonl`);
  const run = gatehouse(dataDir, env, ['export'], { stdout: file });
  expect(run.stderr).toMatch(/^exported \d+ rows/);
  return readFileSync(file, 'utf8').split('\n').slice(1);
}

/** Expects a refusal: exit code 1 and one line on stderr. */
function refused(run: Run, reason: string | RegExp) {
  expect(run.status).toBe(1);
  expect(run.stderr.split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(typeof reason === 'string' ? new RegExp(`^gatehouse: ${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : reason);
}

beforeAll(() => {
  const created = gatehouse(source, withKeyA, ['licence', 'create', '--code', 'acme', '--name', 'Acme', '--seats', '10', '--admin-login', 'ada', '--admin-email', 'ada@acme.example', '--admin-first-name', 'Ada', '--admin-last-name', 'Lovelace']);
  expect(created.status).toBe(0);
}, SLOW_SETUP);

/** The backup's rows (its header's time stamp aside): what every database below must hold. */
const backupRows = () => readFileSync(backup, 'utf8').split('\n').slice(1);

// Each command is a process that loads Gatehouse and opens its database: seconds each on a busy machine.
const SLOW = 180_000;

// Commands on the embedded database whichever database the suite runs on: the PGlite pass runs them.
describe.skipIf(onPostgres)('gatehouse export and import', () => {
  it('moves an installation: export > file, import < file, the same rows on the other side', () => {
    const exported = gatehouse(source, withKeyA, ['export'], { stdout: backup });
    expect(exported.status).toBe(0);
    // No terminal: no progress bar, only the summary, on stderr (stdout is the backup).
    expect(exported.stderr).toBe(`exported ${backupRows().filter((line) => line.startsWith('{"table"')).length} rows, platform tables and 1 licence`);
    const imported = gatehouse(target, withKeyA, ['import'], { stdin: backup });
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(/^imported \d+ rows: the platform tables and licences acme\n$/);
    expect(rowsOf(target)).toEqual(backupRows());
  }, SLOW);

  it('refuses a file that is not an export, cut short, or bringing a licence already there, and leaves the database as it was', () => {
    const notExport = path.join(dir, 'photo.jpg');
    writeFileSync(notExport, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]));
    refused(gatehouse(target, withKeyA, ['import'], { stdin: notExport }), 'line 1: not JSON; is this a file written by gatehouse export?');
    refused(gatehouse(target, withKeyA, ['import'], { stdin: backup }), 'licence "acme" exists already in this database; import refuses to overwrite (nothing was imported)');
    expect(rowsOf(target)).toEqual(backupRows());

    // Cut inside the licence: the platform tables went in, the licence was rolled back, and the
    // import of that licence alone, as the message suggests, finishes the move.
    const lines = readFileSync(backup, 'utf8').split('\n');
    const cut = path.join(dir, 'cut.jsonl');
    writeFileSync(cut, lines.slice(0, lines.findIndex((line) => line.startsWith('{"table":"users"')) + 1).join('\n'));
    const halfway = installation();
    refused(gatehouse(halfway, withKeyA, ['import'], { stdin: cut }), /^gatehouse: licence "acme" not imported: the file ends inside licence "acme" \(line \d+\): it was cut short \(imported before it: the platform tables\)$/);
    const rest = gatehouse(halfway, withKeyA, ['import', '--licence', 'acme'], { stdin: backup });
    expect(rest.stdout).toMatch(/^imported \d+ rows: licences acme\n$/);
  }, SLOW);

  it('refuses another secret key, on import and on export, writing nothing', () => {
    const elsewhere = installation();
    refused(gatehouse(elsewhere, { GATEHOUSE_SECRET_KEY: keyB }, ['import'], { stdin: backup }), /^gatehouse: the export was sealed with secret key [0-9a-f]{8}, which is not in this installation's key ring \(current [0-9a-f]{8}\): set GATEHOUSE_SECRET_KEYS/);
    expect(rowsOf(elsewhere, { GATEHOUSE_SECRET_KEY: keyB }).filter((line) => line.startsWith('{"table"'))).toEqual([]);
    refused(gatehouse(source, { GATEHOUSE_SECRET_KEY: keyB }, ['export'], { stdout: path.join(dir, 'wrong-key.jsonl') }), /^gatehouse: a sealed value of signing_keys does not open with this installation's key ring/);
  }, SLOW);

  it('says so in one line when the database cannot be reached', () => {
    const unreachable = { DATABASE_URL: 'postgres://gatehouse@127.0.0.1:9/gatehouse', GATEHOUSE_SECRET_KEY: keyA };
    for (const [args, io] of [
      [['export'], { stdout: path.join(dir, 'never.jsonl') }],
      [['import'], { stdin: backup }],
      [['secret-key', 'rotate'], {}],
    ] as const) {
      refused(gatehouse(source, unreachable, [...args], io), /^gatehouse: cannot reach the database at DATABASE_URL: /);
    }
  }, SLOW);
});

describe.skipIf(onPostgres)('gatehouse secret-key rotate', () => {
  let rotated: string[] = [];

  it('seals everything under the new key; a second run has nothing left; the old key can then leave the ring', () => {
    const ring = { GATEHOUSE_SECRET_KEYS: `${keyB},${keyA}` };
    const first = gatehouse(target, ring, ['secret-key', 'rotate']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^signing keys: 2 sealed again, 0 already under the current key, 0 unreadable/m);
    expect(first.stdout).toMatch(/^every sealed value is under the current key [0-9a-f]{8}$/m);
    expect(gatehouse(target, ring, ['secret-key', 'rotate']).stdout).toMatch(/^signing keys: 0 sealed again, 2 already under the current key/m);
    // Under B alone: the export opens every sealed value (it checks), and only sealed bytes changed.
    rotated = rowsOf(target, { GATEHOUSE_SECRET_KEY: keyB });
    const unsealed = (rows: string[]) => rows.filter((line) => !line.startsWith('{"table":"signing_keys"'));
    expect(unsealed(rotated)).toEqual(unsealed(backupRows()));
    expect(rotated).not.toEqual(backupRows());
  }, SLOW);

  it('refuses a ring without the key that sealed, leaving every value as it was', () => {
    refused(gatehouse(target, { GATEHOUSE_SECRET_KEYS: keyA }, ['secret-key', 'rotate']), '2 sealed values open with no key of the ring and were left as they were: add the key that sealed them to GATEHOUSE_SECRET_KEYS (after the current one) and run again');
    refused(gatehouse(target, { GATEHOUSE_SECRET_KEYS: `${keyB},not-a-key` }, ['secret-key', 'rotate']), /^gatehouse: GATEHOUSE_SECRET_KEYS must be 64 hex characters or the base64 of 32 bytes \(key 2\)/);
    // The other commands that open sealed values: no new signing key sealed with the wrong key, no start.
    const wrongKey = /^gatehouse: a sealed value \(authenticator secret, Transfer Box item or signing key\) opens with no key of the ring: set GATEHOUSE_SECRET_KEYS/;
    refused(gatehouse(target, { GATEHOUSE_SECRET_KEY: keyA }, ['signing-key', 'rotate']), wrongKey);
    refused(gatehouse(target, { GATEHOUSE_SECRET_KEY: keyA, GATEHOUSE_DEMO: 'off', PORT: '0' }, ['serve']), wrongKey);
    expect(rowsOf(target, { GATEHOUSE_SECRET_KEY: keyB })).toEqual(rotated);
  }, SLOW);
});
