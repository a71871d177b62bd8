import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { rightsConfigurations, users } from '../../platform/db/schema.ts';
import type { NewUserRow } from '../users/store.ts';

// Queries of the import that work on many users at once. Every query names the licence: the tenant fence.

export async function configurationsOf(executor: Executor, licenceId: string) {
  return executor.select().from(rightsConfigurations).where(eq(rightsConfigurations.licenceId, licenceId));
}

/** The logins among these (lower-cased) that the licence holds already, lower-cased. */
export async function takenLogins(executor: Executor, licenceId: string, logins: readonly string[]): Promise<Set<string>> {
  const taken = new Set<string>();
  const loginKey = sql<string>`lower(${users.login})`;
  for (let i = 0; i < logins.length; i += 1000) {
    const rows = await executor
      .select({ login: loginKey })
      .from(users)
      .where(and(eq(users.licenceId, licenceId), inArray(loginKey, logins.slice(i, i + 1000))));
    rows.forEach((row) => taken.add(row.login));
  }
  return taken;
}

/** Inserts users by slices: one statement per five hundred keeps a 10,000-row import fast. */
export async function insertUsers(executor: Executor, rows: readonly NewUserRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await executor.insert(users).values(rows.slice(i, i + 500));
}
