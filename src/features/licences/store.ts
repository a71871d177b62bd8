import { and, asc, count, eq, gt } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { licences, users } from '../../platform/db/schema.ts';

export type LicenceRow = typeof licences.$inferSelect;

export async function insertLicence(executor: Executor, row: typeof licences.$inferInsert): Promise<void> {
  await executor.insert(licences).values(row);
}

export async function findLicenceByCode(executor: Executor, code: string, options: { lock?: boolean } = {}): Promise<LicenceRow | null> {
  const query = executor.select().from(licences).where(eq(licences.code, code)).limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  return row ?? null;
}

export async function findLicenceById(executor: Executor, id: string, options: { lock?: boolean } = {}): Promise<LicenceRow | null> {
  const query = executor.select().from(licences).where(eq(licences.id, id)).limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  return row ?? null;
}

export async function listLicences(executor: Executor, after: string | null, limit: number): Promise<LicenceRow[]> {
  return executor
    .select()
    .from(licences)
    .where(after === null ? undefined : gt(licences.code, after))
    .orderBy(asc(licences.code))
    .limit(limit + 1);
}

export async function countLicences(executor: Executor): Promise<number> {
  const [row] = await executor.select({ total: count() }).from(licences);
  return row?.total ?? 0;
}

export async function updateLicence(executor: Executor, id: string, changes: Partial<typeof licences.$inferInsert>): Promise<void> {
  await executor.update(licences).set(changes).where(eq(licences.id, id));
}

export async function seatsUsed(executor: Executor, licenceId: string): Promise<number> {
  const [row] = await executor
    .select({ used: count() })
    .from(users)
    .where(and(eq(users.licenceId, licenceId), eq(users.status, 'active'), eq(users.internal, false)));
  return row?.used ?? 0;
}

