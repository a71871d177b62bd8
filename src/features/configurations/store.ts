import { and, asc, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { rightsConfigurations } from '../../platform/db/schema.ts';

export type ConfigurationRow = typeof rightsConfigurations.$inferSelect;

export async function insertConfigurations(executor: Executor, rows: (typeof rightsConfigurations.$inferInsert)[]): Promise<void> {
  await executor.insert(rightsConfigurations).values(rows);
}

export async function listConfigurations(executor: Executor, licenceId: string): Promise<ConfigurationRow[]> {
  return executor.select().from(rightsConfigurations).where(eq(rightsConfigurations.licenceId, licenceId)).orderBy(asc(rightsConfigurations.createdAt), asc(rightsConfigurations.key));
}

export async function findConfiguration(executor: Executor, licenceId: string, id: string): Promise<ConfigurationRow | null> {
  const [row] = await executor
    .select()
    .from(rightsConfigurations)
    .where(and(eq(rightsConfigurations.licenceId, licenceId), eq(rightsConfigurations.id, id)))
    .limit(1);
  return row ?? null;
}

export async function updateConfiguration(executor: Executor, licenceId: string, id: string, changes: { name: string; steps: string[]; updatedAt: Date }): Promise<void> {
  await executor
    .update(rightsConfigurations)
    .set(changes)
    .where(and(eq(rightsConfigurations.licenceId, licenceId), eq(rightsConfigurations.id, id)));
}
