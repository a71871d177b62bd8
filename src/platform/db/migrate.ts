import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseHandle } from './client.ts';

// Plain SQL migrations, applied in file-name order, each in its own transaction with its record.
// Several processes may start at once against one PostgreSQL: an advisory lock makes them take turns.

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const MIGRATION_LOCK = 7_405_011;

export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith('.sql'))
    .sort();
}

export async function migrate(database: DatabaseHandle): Promise<string[]> {
  const applied: string[] = [];
  for (const name of migrationNames()) {
    const script = readFileSync(path.join(MIGRATIONS_DIR, name), 'utf8');
    await database.inScriptTransaction(async (exec, run) => {
      await exec('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await run('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await exec('SELECT 1 FROM schema_migrations WHERE name = $1', [name]);
      if (rows.length > 0) return;
      await run(script);
      await exec('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
      applied.push(name);
    });
  }
  return applied;
}

/** True when every migration shipped with this version is applied. */
export async function migrationsApplied(database: DatabaseHandle): Promise<boolean> {
  return database.inScriptTransaction(async (exec) => {
    const { rows } = await exec("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
    if (rows[0]?.present !== true) return false;
    const applied = new Set((await exec('SELECT name FROM schema_migrations')).rows.map((row) => String(row.name)));
    return migrationNames().every((name) => applied.has(name));
  });
}
