import { desc, eq } from 'drizzle-orm';
import type { Catalog } from '../../core/catalog.ts';
import type { Executor } from '../../platform/db/client.ts';
import { catalogReleases, licences, rightsConfigurations } from '../../platform/db/schema.ts';

export async function latestRelease(executor: Executor): Promise<{ id: number; catalog: Catalog } | null> {
  const [row] = await executor.select().from(catalogReleases).orderBy(desc(catalogReleases.id)).limit(1);
  return row ? { id: row.id, catalog: row.catalog as Catalog } : null;
}

export async function insertRelease(executor: Executor, catalog: Catalog): Promise<number> {
  const [row] = await executor.insert(catalogReleases).values({ catalog }).returning({ id: catalogReleases.id });
  if (row === undefined) throw new Error('catalog release was not stored');
  return row.id;
}

/** Every custom configuration of every licence with its steps: a release must keep them whole. */
export async function customConfigurationsListing(executor: Executor) {
  return executor
    .select({ id: rightsConfigurations.id, name: rightsConfigurations.name, steps: rightsConfigurations.steps, licenceCode: licences.code })
    .from(rightsConfigurations)
    .innerJoin(licences, eq(licences.id, rightsConfigurations.licenceId))
    .where(eq(rightsConfigurations.kind, 'custom'));
}
