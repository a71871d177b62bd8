import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migratedDataDir } from '../support/data-dir.ts';
import { onPostgres } from '../support/database.ts';
import { gatehouseCommand } from '../support/process.ts';

// Operators setting up licences and releasing catalogs from a terminal.

const dir = migratedDataDir('gatehouse-cli-ops-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gatehouse = (...args: string[]) =>
  spawnSync(process.execPath, gatehouseCommand(...args), {
    env: { ...process.env, GATEHOUSE_DATA_DIR: dir, GATEHOUSE_BUILD_CONSOLE: 'off', LOG_LEVEL: 'debug' },
    encoding: 'utf8',
    timeout: 60_000,
  });

const licence = ['licence', 'create', '--code', 'acme', '--name', 'Acme', '--seats', '10', '--admin-login', 'ada', '--admin-email', 'ada@acme.example', '--admin-first-name', 'Ada', '--admin-last-name', 'Lovelace'];

// Commands on the embedded database whichever database the suite runs on: the PGlite pass runs them.
describe.skipIf(onPostgres)('gatehouse licence create', () => {
  it('creates a licence and e-mails its admin a set-password link (to the log without SMTP)', () => {
    const created = gatehouse(...licence);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain('licence acme created');
    expect(created.stdout).toMatch(/"to":"ada@acme\.example".*reset-password\?token=/);
  });

  it('says in one line why it cannot, and exits 1', () => {
    const again = gatehouse(...licence);
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toBe('gatehouse: code: a licence "acme" exists already');
    expect(gatehouse('licence', 'create', '--code', 'x').stderr).toContain('usage: gatehouse licence create');
  });
});

describe.skipIf(onPostgres)('gatehouse catalog', () => {
  it('shows the catalog in force and releases a new one', () => {
    const shown = gatehouse('catalog', 'show');
    const catalog = JSON.parse(shown.stdout.slice(shown.stdout.indexOf('{')));
    expect(catalog.categories.map((c: { key: string }) => c.key)).toContain('email-campaigns');
    catalog.categories.push({ key: 'surveys', name: { en: 'Surveys', fr: 'Enquêtes' }, tags: [], applications: [{ key: 'surveys.surveys', name: { en: 'Surveys', fr: 'Enquêtes' }, tags: [], steps: [{ key: 'surveys.surveys.view', name: { en: 'View', fr: 'Consulter' }, tags: [] }] }] });
    const file = path.join(dir, 'catalog.json');
    writeFileSync(file, JSON.stringify(catalog));
    const released = gatehouse('catalog', 'release', file);
    expect(released.status).toBe(0);
    expect(released.stdout).toContain('catalog released: 10 categories');
  });

  it('refuses a catalog that is not valid', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ categories: [{ key: 'Bad Key', name: { en: 'x', fr: 'x' }, tags: [], applications: [] }] }));
    const refused = gatehouse('catalog', 'release', file);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('categories[0].key');
  });
});
