import { randomBytes, randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { ownerOf } from '../../src/features/auth/authenticator.ts';
import { exportBackup } from '../../src/features/backup/export.ts';
import { importBackup } from '../../src/features/backup/import.ts';
import { BackupError, EXCLUDED_TABLES, EXPORTED_TABLES, readSchema } from '../../src/features/backup/tables.ts';
import { sealedFor } from '../../src/features/transfer-box/service.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { openPglite, type DatabaseHandle } from '../../src/platform/db/client.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createSealer, type Sealer } from '../../src/platform/encryption.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.ts';

// Moving an installation from the embedded database to PostgreSQL (and backing one up): export as
// JSON lines, import into an empty database, and every row of every table comes back exactly.

const key = randomBytes(32);
const sealer = createSealer(key);
const ACTOR = { kind: 'operator' as const, id: null, name: 'backup test', ip: null };

/** Every byte value, to see bytea come back bit for bit. */
const EVERY_BYTE = Buffer.from(Array.from({ length: 256 }, (_, index) => index));

let source: DatabaseHandle;
const licences: { id: string; code: string; userId: string; adminId: string }[] = [];

async function newPglite(): Promise<DatabaseHandle> {
  const handle = await openPglite(null);
  await migrate(handle);
  return handle;
}

/** An embedded installation as a first start leaves it (catalog, signing keys) with two licences, and a row in every table. */
async function fillSource(handle: DatabaseHandle): Promise<void> {
  const config = loadConfig({ GATEHOUSE_SECRET_KEYS: key.toString('hex'), GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn', GATEHOUSE_DATA_DIR: '/nonexistent/gatehouse-backup-test' });
  const app = await buildApp({ config, database: handle, logger: createLogger('warn'), serveConsole: false });
  for (const code of ['acme', 'globex']) {
    const created = await app.services.licences.create(
      { code, name: `Licence ${code} — « ünïcode »`, seatLimit: 10, admin: { login: 'admin', firstName: 'Ada', lastName: "O'Brien", email: `admin@${code}.example`, language: 'fr' } },
      ACTOR,
    );
    licences.push({ id: created.licence.id, code, userId: created.admin.id, adminId: created.admin.id });
  }
  await app.close();
  await handle.inScriptTransaction(async (exec) => {
    // Platform-wide rows, with the awkward values: arrays with commas, quotes and nulls; jsonb with
    // big numbers, unicode and escapes; timestamps to the microsecond.
    const tokenId = randomUUID();
    await exec(`INSERT INTO operator_tokens (id, name, token_hash, created_at, scopes) VALUES ($1, 'ops', 'hash-ops', '2026-01-02 03:04:05.123456+00', '{operator,"users:read"}')`, [tokenId]);
    await exec(`INSERT INTO operator_sessions (id, token_hash, operator_token_id, source_hash, name, expires_at) VALUES ($1, 'op-session', $2, 'source', 'ops', '2999-01-01T00:00:00.000001Z')`, [randomUUID(), tokenId]);
    await exec(
      `INSERT INTO applications (id, client_id, name, kind, redirect_uris, post_logout_redirect_uris, scopes, secret_hash)
       VALUES ($1, 'app_roundtrip', 'Round trip', 'web', ARRAY['https://a.example/cb?x=1,2', 'https://b.example/"quoted"', NULL], '{}', '{decisions:read}', 'hash')`,
      [randomUUID()],
    );
    // Written as JSON text: a number past 2^53 that JavaScript itself could not hold.
    const payload = `{"big": 12345678901234567890.000001, "tiny": 1e-30, "nested": {"list": [1, null, true, {"a": []}]}, "text": ${JSON.stringify('line\nbreak "quote" \\ back \u2028 é 𝄞')}}`;
    await exec(`INSERT INTO oidc_payloads (model, id, payload, grant_id, expires_at) VALUES ('Grant', 'g1', $1::jsonb, 'g1', '2999-01-01 00:00:00.5+00')`, [payload]);
    for (const licence of licences) {
      const [config] = (await exec('SELECT id FROM rights_configurations WHERE licence_id = $1 LIMIT 1', [licence.id])).rows;
      const [group] = (await exec('SELECT id FROM entity_groups WHERE licence_id = $1 LIMIT 1', [licence.id])).rows;
      const values = [licence.id, licence.userId];
      await exec(`INSERT INTO sessions (licence_id, id, user_id, token_hash, expires_at, ip, user_agent) VALUES ($1, gen_random_uuid(), $2, md5(random()::text), '2999-01-01 00:00:00.000001+00', '192.0.2.1', 'Mozilla/5.0 "quoted"')`, values);
      await exec(`INSERT INTO password_history (licence_id, user_id, password_hash, created_at) VALUES ($1, $2, '$argon2id$v=19$m=19456,t=2,p=1$x', now())`, values);
      await exec(`INSERT INTO sign_in_challenges (licence_id, id, user_id, token_hash, methods, expires_at) VALUES ($1, gen_random_uuid(), $2, md5(random()::text), '{sms,totp}', now() + interval '5 minutes')`, values);
      await exec(`INSERT INTO user_totp (licence_id, user_id, secret, confirmed_at, last_used_step) VALUES ($1, $2, $3, now(), 9007199254740991)`, [...values, sealer.sealText('JBSWY3DPEHPK3PXP', ownerOf(licence.id, licence.userId))]);
      await exec(`INSERT INTO sign_in_accesses (licence_id, id, user_id, login, at, ip) VALUES ($1, gen_random_uuid(), $2, 'admin', now(), '2001:db8::1')`, values);
      await exec(`INSERT INTO support_visits (licence_id, id, at, ticket, description, operator) VALUES ($1, gen_random_uuid(), now(), 'T-1', E'tab\\there', 'ops')`, [licence.id]);
      const requestId = randomUUID();
      await exec(
        `INSERT INTO api_account_requests (licence_id, id, login, holder_first_name, holder_last_name, holder_email, warnings, requested_by_id, requested_by_login, requested_by_email, requested_by_language)
         VALUES ($1, $2, 'ws', 'W', 'S', 'ws@example.com', ARRAY['a "warning"', 'b,c'], $3, 'admin', 'admin@example.com', 'en')`,
        [licence.id, requestId, licence.userId],
      );
      const accountId = randomUUID();
      await exec(
        `INSERT INTO api_accounts (licence_id, id, login, holder_first_name, holder_last_name, holder_email, configuration_id, entity_group_id, secret_hash, request_id)
         VALUES ($1, $2, 'ws', 'W', 'S', 'ws@example.com', $3, $4, 'secret-hash', $5)`,
        [licence.id, accountId, config!.id, group!.id, requestId],
      );
      await exec(`INSERT INTO api_tokens (licence_id, id, api_account_id, token_hash, expires_at) VALUES ($1, gen_random_uuid(), $2, md5(random()::text), now() + interval '1 hour')`, [licence.id, accountId]);
      const itemId = randomUUID();
      const content = sealer.seal(Buffer.concat([EVERY_BYTE, randomBytes(300_000)]), sealedFor({ licenceId: licence.id, id: itemId, recipientId: licence.userId }));
      await exec(
        `INSERT INTO transfer_box_items (licence_id, id, recipient_id, name, content_type, size, sender_kind, sender_name, created_at, expires_at, content)
         VALUES ($1, $2, $3, 'relevé.pdf', 'application/pdf', 300256, 'operator', 'Vendor', now(), now() + interval '7 days', $4)`,
        [licence.id, itemId, licence.userId, content],
      );
      await exec(`INSERT INTO transfer_box_reads (licence_id, id, item_id, item_name, recipient_id, recipient_name, sender_name, read_at) VALUES ($1, gen_random_uuid(), $2, 'relevé.pdf', $3, 'admin', 'Vendor', now())`, [licence.id, itemId, licence.userId]);
      await exec(
        `INSERT INTO passkeys (licence_id, id, user_id, name, credential_id, public_key, counter, transports, device_type)
         VALUES ($1, gen_random_uuid(), $2, 'YubiKey', md5(random()::text), $3, 4294967295, '{usb,nfc}', 'singleDevice')`,
        [...values, EVERY_BYTE],
      );
      await exec(`INSERT INTO passkey_challenges (licence_id, id, purpose, user_id, challenge, expires_at) VALUES ($1, gen_random_uuid(), 'registration', $2, 'challenge', now() + interval '5 minutes')`, values);
      await exec(
        `INSERT INTO provisioning_tokens (licence_id, id, name, token_hash, configuration_id, entity_group_id, created_by) VALUES ($1, gen_random_uuid(), 'Okta', md5(random()::text), $2, $3, $4)`,
        [licence.id, config!.id, group!.id, licence.userId],
      );
    }
  });
}

async function exportLines(handle: DatabaseHandle, options: { licenceCode?: string; sealer?: Sealer } = {}): Promise<string[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await exportBackup(handle, out, { sealer: options.sealer ?? sealer, ...(options.licenceCode === undefined ? {} : { licenceCode: options.licenceCode }) });
  out.end();
  return Buffer.concat(chunks).toString('utf8').split('\n').filter((line) => line !== '');
}

async function* linesOf(lines: string[]): AsyncGenerator<string> {
  for (const line of lines) yield line;
}

/** Every exported table, every row, as PostgreSQL writes it, in primary-key order. */
async function dump(handle: DatabaseHandle, licenceId?: string): Promise<Record<string, string[]>> {
  return handle.inScriptTransaction(async (exec) => {
    await exec("SET LOCAL TIME ZONE 'UTC'");
    const schema = await readSchema(exec);
    const tables: Record<string, string[]> = {};
    for (const table of schema.tables) {
      if (licenceId !== undefined && table.licenceColumn === null) continue;
      const where = licenceId === undefined || table.licenceColumn === null ? '' : ` WHERE ${table.licenceColumn} = '${licenceId}'`;
      const order = table.primaryKey.map((column) => column.name).join(', ');
      tables[table.name] = (await exec(`SELECT row_to_json(t)::text AS row FROM ${table.name} t${where} ORDER BY ${order}`)).rows.map((row) => String(row.row));
    }
    return tables;
  });
}

let exported: string[];

beforeAll(async () => {
  source = await newPglite();
  await fillSource(source);
  exported = await exportLines(source);
}, 120_000);

afterAll(async () => {
  await source?.close();
});

describe('what an export holds', () => {
  it('every table of the schema, each exported or excluded for a stated reason', async () => {
    const tables = await dump(source);
    expect(Object.keys(tables).sort()).toEqual([...EXPORTED_TABLES].sort());
    // The fixture leaves no table empty, so the round trips below compare real rows everywhere.
    for (const [name, rows] of Object.entries(tables)) expect(rows.length, name).toBeGreaterThan(0);
    for (const reason of Object.values(EXCLUDED_TABLES)) expect(reason.length).toBeGreaterThan(10);
  });

  it('refuses to export a table added without being exported or excluded', async () => {
    // Added inside a transaction that is rolled back: the source stays as it was.
    const withWidgets = source.inScriptTransaction(async (exec, run) => {
      await run('CREATE TABLE widgets (id int PRIMARY KEY)');
      await readSchema(exec);
    });
    await expect(withWidgets).rejects.toThrow(new BackupError('table widgets is neither exported nor excluded: list it in src/features/backup/tables.ts'));
  });

  it('starts with a header: format, Gatehouse version, migrations, scope, row counts; sealed values stay sealed', () => {
    const header = JSON.parse(exported[0]!);
    expect(header).toMatchObject({ format: 'gatehouse-export', formatVersion: 1, scope: 'installation', gatehouse: expect.any(String) });
    expect(header.migrations).toContain('0001_foundation.sql');
    expect(header.licences.map((licence: { code: string }) => licence.code).sort()).toEqual(['acme', 'globex']);
    // Each licence: its admin and the vendor's support account.
    expect(header.rows.users).toBe(4);
    expect(exported.at(-1)).toBe(JSON.stringify({ end: true, rows: exported.filter((line) => line.startsWith('{"table":')).length }));
    expect(exported.join('\n')).not.toContain('JBSWY3DPEHPK3PXP');
  });
});

describe('round trip', () => {
  it('PGlite → PGlite: every row of every table comes back exactly', async () => {
    const target = await newPglite();
    try {
      const summary = await importBackup(target, linesOf(exported), { sealer });
      expect(summary).toMatchObject({ platform: true, licences: expect.arrayContaining(['acme', 'globex']) });
      expect(await dump(target)).toEqual(await dump(source));
      // A sequence goes on after the imported values: the next catalog release does not collide.
      await target.inScriptTransaction((exec) => exec("INSERT INTO catalog_releases (catalog) VALUES ('{}')"));
    } finally {
      await target.close();
    }
  }, 60_000);

  describe.skipIf(!onPostgres)('PGlite → PostgreSQL (TEST_DATABASE_URL)', () => {
    let target: TestDatabase;
    beforeAll(async () => {
      target = await createTestDatabase();
    });
    afterAll(() => target?.drop());

    it('every row of every table comes back exactly', async () => {
      await importBackup(target.handle, linesOf(exported), { sealer });
      expect(await dump(target.handle)).toEqual(await dump(source));
    }, 60_000);
  });

  it('one licence: exported alone, imported into an installation that has others', async () => {
    const target = await newPglite();
    try {
      // First one licence out of the whole export (no platform tables), then the other from its own export.
      expect(await importBackup(target, linesOf(exported), { sealer, licenceCode: 'acme' })).toEqual({ platform: false, licences: ['acme'], rows: expect.any(Number) });
      const globex = await exportLines(source, { licenceCode: 'globex' });
      expect(JSON.parse(globex[0]!).scope).toEqual({ licence: 'globex' });
      expect(globex.some((line) => line.startsWith('{"table":"catalog_releases"'))).toBe(false);
      await importBackup(target, linesOf(globex), { sealer });
      for (const licence of licences) expect(await dump(target, licence.id)).toEqual(await dump(source, licence.id));
      expect((await dump(target)).catalog_releases).toEqual([]);
    } finally {
      await target.close();
    }
  }, 60_000);
});

describe('an import that cannot be done leaves the database as it was', () => {
  let target: DatabaseHandle;
  beforeAll(async () => {
    target = await newPglite();
  });
  afterAll(() => target?.close());

  const refused = async (lines: string[], message: string | RegExp, options: { licenceCode?: string; sealer?: Sealer } = {}) => {
    const before = await dump(target);
    await expect(importBackup(target, linesOf(lines), { sealer: options.sealer ?? sealer, ...(options.licenceCode ? { licenceCode: options.licenceCode } : {}) })).rejects.toThrow(message);
    expect(await dump(target)).toEqual(before);
  };

  it('another secret key: refused before anything is written', async () => {
    await refused(exported, /^the export was sealed with secret key [0-9a-f]{8}, which is not in this installation's key ring/, { sealer: createSealer(randomBytes(32)) });
  });

  it('not an export, or an empty file', async () => {
    await refused(['PK\u0003\u0004 a zip file'], 'line 1: not JSON; is this a file written by gatehouse export?');
    await refused([], 'the file is empty; is this a file written by gatehouse export?');
    await refused([JSON.stringify({ hello: 'world' })], 'line 1: not a Gatehouse export (no gatehouse-export header)');
  });

  it('a licence the file does not hold', async () => {
    await refused(exported, 'the file holds no licence "initech" (it holds acme, globex)', { licenceCode: 'initech' });
  });

  it('a file cut short: the licence it ends in is rolled back', async () => {
    const cut = exported.slice(0, exported.findLastIndex((line) => line.startsWith('{"table":"users"')));
    const lastLicence = JSON.parse(exported.findLast((line) => line.startsWith('{"begin":"licence"'))!).code;
    await expect(importBackup(target, linesOf(cut), { sealer })).rejects.toThrow(`licence "${lastLicence}" not imported: the file ends inside licence "${lastLicence}"`);
    const imported = await dump(target);
    expect(imported.licences).toHaveLength(1);
    expect(imported.licences!.join()).not.toContain(lastLicence);
    expect(imported.users!.join()).not.toContain(licences.find((licence) => licence.code === lastLicence)!.id);
  });

  it('a licence that exists already: refused with a one-line reason', async () => {
    const imported = JSON.parse(exported.find((line) => line.startsWith('{"begin":"licence"'))!).code;
    await refused(exported, `licence "${imported}" exists already in this database; import refuses to overwrite (nothing was imported)`);
    await refused(exported, `licence "${imported}" exists already in this database; import refuses to overwrite (nothing was imported)`, { licenceCode: imported });
  });

  it('a whole installation into a database that has platform data already', async () => {
    const fresh = await newPglite();
    try {
      await fresh.inScriptTransaction((exec) => exec("INSERT INTO catalog_releases (catalog) VALUES ('{}')"));
      const before = await dump(fresh);
      await expect(importBackup(fresh, linesOf(exported), { sealer })).rejects.toThrow(
        'this database already holds platform data (catalog_releases: 1): import a whole installation into a new database, or one licence with --licence CODE (nothing was imported)',
      );
      expect(await dump(fresh)).toEqual(before);
    } finally {
      await fresh.close();
    }
  });

  it('a row altered to land in another licence', async () => {
    const absent = JSON.parse(exported.findLast((line) => line.startsWith('{"begin":"licence"'))!);
    const present = licences.find((licence) => licence.id !== absent.id)!;
    const start = exported.findLastIndex((line) => line.startsWith('{"begin":"licence"'));
    const forged = exported.map((line, index) => (index > start && line.startsWith('{"table":"users"') ? line.replaceAll(absent.id, present.id) : line));
    await refused(forged, /^licence "[a-z]+" not imported: line \d+: a users row that does not belong to licence "[a-z]+"$/, { licenceCode: absent.code });
  });
});
