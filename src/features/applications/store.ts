import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { applications } from '../../platform/db/schema.ts';

// The registered applications (0008_applications.sql): queries, nothing else.

export type ApplicationKind = (typeof applications.kind.enumValues)[number];

export type IdTokenSigningAlg = (typeof applications.idTokenSigningAlg.enumValues)[number];

/** An application as stored, secret hash included: the OpenID Provider checks client secrets with it. */
export type ApplicationRow = typeof applications.$inferSelect;

/** The application a client id names, or null: what the OpenID Provider looks its clients up with. */
export async function findApplicationByClientId(db: Executor, clientId: string): Promise<ApplicationRow | null> {
  const [row] = await db.select().from(applications).where(eq(applications.clientId, clientId)).limit(1);
  return row ?? null;
}

/** An application by id; `lock` holds its row until the transaction ends (an edit reads, then writes). */
export async function findApplication(executor: Executor, id: string, options: { lock?: boolean } = {}): Promise<ApplicationRow | null> {
  const query = executor.select().from(applications).where(eq(applications.id, id)).limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  return row ?? null;
}

/** Every application, by name. */
export async function listApplications(executor: Executor): Promise<ApplicationRow[]> {
  return executor.select().from(applications).orderBy(asc(applications.name), asc(applications.createdAt));
}

export async function insertApplication(executor: Executor, row: typeof applications.$inferInsert): Promise<ApplicationRow> {
  const [inserted] = await executor.insert(applications).values(row).returning();
  if (inserted === undefined) throw new Error('application not inserted');
  return inserted;
}

/** Applies changes to an application; answers it as it now is, or null when it does not exist. */
export async function updateApplication(executor: Executor, id: string, changes: Partial<typeof applications.$inferInsert>): Promise<ApplicationRow | null> {
  const [row] = await executor.update(applications).set(changes).where(eq(applications.id, id)).returning();
  return row ?? null;
}

/** Deletes an application; answers what it was, or null when it did not exist. */
export async function deleteApplication(executor: Executor, id: string): Promise<ApplicationRow | null> {
  const [row] = await executor.delete(applications).where(eq(applications.id, id)).returning();
  return row ?? null;
}
