import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { signInAccesses, supportVisits, users } from '../../platform/db/schema.ts';

export interface Period {
  from?: Date;
  to?: Date;
  after: [string, string] | null;
  limit: number;
}

/** Newest first, by (time, id): the cursor is the last item's pair. */
function newestFirst(table: typeof signInAccesses | typeof supportVisits, period: Period): SQL[] {
  const conditions: SQL[] = [];
  if (period.from) conditions.push(gte(table.at, period.from));
  if (period.to) conditions.push(lt(table.at, period.to));
  if (period.after) conditions.push(sql`(${table.at}, ${table.id}) < (${period.after[0]}::timestamptz, ${period.after[1]}::uuid)`);
  return conditions;
}

export async function insertSignInAccess(executor: Executor, row: typeof signInAccesses.$inferInsert): Promise<void> {
  await executor.insert(signInAccesses).values(row);
}

export async function listSignInAccesses(executor: Executor, licenceId: string, period: Period & { login?: string }) {
  return executor
    .select()
    .from(signInAccesses)
    .where(and(eq(signInAccesses.licenceId, licenceId), period.login ? eq(sql`lower(${signInAccesses.login})`, period.login.toLowerCase()) : undefined, ...newestFirst(signInAccesses, period)))
    .orderBy(desc(signInAccesses.at), desc(signInAccesses.id))
    .limit(period.limit + 1);
}

export async function insertSupportVisit(executor: Executor, row: typeof supportVisits.$inferInsert): Promise<void> {
  await executor.insert(supportVisits).values(row);
}

export async function listSupportVisits(executor: Executor, licenceId: string, period: Period) {
  return executor
    .select()
    .from(supportVisits)
    .where(and(eq(supportVisits.licenceId, licenceId), ...newestFirst(supportVisits, period)))
    .orderBy(desc(supportVisits.at), desc(supportVisits.id))
    .limit(period.limit + 1);
}

export async function findSupportAccount(executor: Executor, licenceId: string) {
  const [row] = await executor
    .select({ id: users.id, status: users.status })
    .from(users)
    .where(and(eq(users.licenceId, licenceId), eq(users.protected, true)))
    .limit(1);
  return row ?? null;
}
