import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';

/**
 * A new data directory for a `gatehouse` process (GATEHOUSE_DATA_DIR) whose embedded database is a
 * copy of the suite's migrated template (database-template.ts): what an installation that has started
 * once holds, without the initdb. A test about the very first start uses an empty directory instead.
 */
export function migratedDataDir(prefix = 'gatehouse-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const template = inject('pgliteDirTemplate');
  if (template !== undefined) cpSync(template, path.join(dir, 'pglite'), { recursive: true });
  return dir;
}
