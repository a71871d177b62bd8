import { and, desc, eq, gt, lte, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { transferBoxItems, transferBoxReads, users } from '../../platform/db/schema.ts';

// Queries on Transfer Box items and the record of their reads. Every query names the licence (the
// tenant fence) and every query on items the time (an expired item is as good as gone).

export type ItemRow = typeof transferBoxItems.$inferSelect;

/** An item as its recipient's inbox lists it: everything but the sealed content. */
const itemSummary = {
  id: transferBoxItems.id,
  name: transferBoxItems.name,
  contentType: transferBoxItems.contentType,
  size: transferBoxItems.size,
  senderName: transferBoxItems.senderName,
  createdAt: transferBoxItems.createdAt,
  expiresAt: transferBoxItems.expiresAt,
  readAt: transferBoxItems.readAt,
};
export type ItemSummary = { [K in keyof typeof itemSummary]: ItemRow[K] };

export async function insertItem(executor: Executor, row: typeof transferBoxItems.$inferInsert): Promise<void> {
  await executor.insert(transferBoxItems).values(row);
}

export async function listInbox(executor: Executor, licenceId: string, recipientId: string, filter: { now: Date; after: [string, string] | null; limit: number }): Promise<ItemSummary[]> {
  const conditions: SQL[] = [eq(transferBoxItems.licenceId, licenceId), eq(transferBoxItems.recipientId, recipientId), gt(transferBoxItems.expiresAt, filter.now)];
  if (filter.after) conditions.push(sql`(${transferBoxItems.createdAt}, ${transferBoxItems.id}) < (${filter.after[0]}::timestamptz, ${filter.after[1]}::uuid)`);
  return executor
    .select(itemSummary)
    .from(transferBoxItems)
    .where(and(...conditions))
    .orderBy(desc(transferBoxItems.createdAt), desc(transferBoxItems.id))
    .limit(filter.limit + 1);
}

/** The recipient's unexpired item, sealed content included; null for anyone else's or a gone one. */
export async function findRecipientItem(executor: Executor, licenceId: string, recipientId: string, itemId: string, now: Date): Promise<ItemRow | null> {
  const [row] = await executor
    .select()
    .from(transferBoxItems)
    .where(and(eq(transferBoxItems.licenceId, licenceId), eq(transferBoxItems.id, itemId), eq(transferBoxItems.recipientId, recipientId), gt(transferBoxItems.expiresAt, now)))
    .limit(1);
  return row ?? null;
}

/** Sets the first read time; later reads leave it as it was. */
export async function markRead(executor: Executor, licenceId: string, itemId: string, at: Date): Promise<void> {
  await executor
    .update(transferBoxItems)
    .set({ readAt: sql`coalesce(${transferBoxItems.readAt}, ${at.toISOString()}::timestamptz)` })
    .where(and(eq(transferBoxItems.licenceId, licenceId), eq(transferBoxItems.id, itemId)));
}

export async function deleteExpiredItems(executor: Executor, now: Date): Promise<number> {
  const deleted = await executor.delete(transferBoxItems).where(lte(transferBoxItems.expiresAt, now)).returning({ id: transferBoxItems.id });
  return deleted.length;
}

export async function insertRead(executor: Executor, row: typeof transferBoxReads.$inferInsert): Promise<void> {
  await executor.insert(transferBoxReads).values(row);
}

export async function listReads(executor: Executor, licenceId: string, filter: { after: [string, string] | null; limit: number }) {
  const conditions: SQL[] = [eq(transferBoxReads.licenceId, licenceId)];
  if (filter.after) conditions.push(sql`(${transferBoxReads.readAt}, ${transferBoxReads.id}) < (${filter.after[0]}::timestamptz, ${filter.after[1]}::uuid)`);
  return executor
    .select()
    .from(transferBoxReads)
    .where(and(...conditions))
    .orderBy(desc(transferBoxReads.readAt), desc(transferBoxReads.id))
    .limit(filter.limit + 1);
}

/** A user who may receive items: active, of this licence. */
export async function findActiveRecipient(executor: Executor, licenceId: string, by: { id: string } | { login: string }) {
  const [row] = await executor
    .select({ id: users.id, login: users.login, firstName: users.firstName, lastName: users.lastName })
    .from(users)
    .where(
      and(
        eq(users.licenceId, licenceId),
        'id' in by ? eq(users.id, by.id) : eq(sql`lower(${users.login})`, by.login.toLowerCase()),
        eq(users.status, 'active'),
      ),
    )
    .limit(1);
  return row ?? null;
}

export async function findUserNames(executor: Executor, licenceId: string, userId: string) {
  const [row] = await executor
    .select({ login: users.login, firstName: users.firstName, lastName: users.lastName })
    .from(users)
    .where(and(eq(users.licenceId, licenceId), eq(users.id, userId)))
    .limit(1);
  return row ?? null;
}
