import { compileCatalog, validateCatalog, type Catalog, type CompiledCatalog } from '../../core/catalog.ts';
import { DEFAULT_CATALOG } from '../../core/default-catalog.ts';
import type { AppContext, CatalogSource } from '../../platform/context.ts';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { Database } from '../../platform/db/client.ts';
import { ensure, Problem } from '../../platform/http/problems.ts';
import { customConfigurationsListing, insertRelease, latestRelease } from './store.ts';

// The catalog in force is the newest release. Each process keeps it compiled, rechecks for a newer
// release at most every few seconds, and at once when a release is announced.

const RECHECK_MS = 5_000;

export function createCatalogSource(
  db: Database,
  now: () => number = Date.now,
  readLatest: () => Promise<{ id: number; catalog: Catalog } | null> = () => latestRelease(db),
): CatalogSource & { refresh(): Promise<CompiledCatalog>; forget(): void } {
  let cached: { releaseId: number; compiled: CompiledCatalog; checkedAt: number } | null = null;
  /** Releases announced so far: a read that started before one does not count as a fresh check. */
  let announced = 0;

  const refresh = async (): Promise<CompiledCatalog> => {
    const announcedBefore = announced;
    const release = await readLatest();
    if (release === null) throw new Error('no catalog release: run the migrations and start the service once');
    // Release ids only grow: a read that was overtaken by a newer one does not replace it.
    if (cached === null || release.id > cached.releaseId) cached = { releaseId: release.id, compiled: compileCatalog(release.catalog), checkedAt: -Infinity };
    if (release.id === cached.releaseId && announced === announcedBefore) cached.checkedAt = now();
    return cached.compiled;
  };

  return {
    refresh,
    forget: () => {
      announced++;
      if (cached) cached.checkedAt = -Infinity;
    },
    current: async () => (cached !== null && now() - cached.checkedAt < RECHECK_MS ? cached.compiled : refresh()),
  };
}

/** A new installation starts from the catalog the project ships. */
export async function ensureCatalog(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    if ((await latestRelease(tx)) === null) await insertRelease(tx, DEFAULT_CATALOG);
  });
}

export function createCatalogService(ctx: AppContext, source: ReturnType<typeof createCatalogSource>) {
  return {
    current: () => ctx.catalog.current(),

    /**
     * Releases a new catalog. A step that a custom configuration lists cannot disappear: the operator
     * updates those configurations first.
     */
    async release(catalog: Catalog, actor: AuditActor): Promise<CompiledCatalog> {
      const problems = validateCatalog(catalog);
      ensure(
        problems.length === 0,
        new Problem('validation_failed', { en: problems.map((p) => `${p.path}: ${p.message}`).join('; '), fr: `Catalogue refusé : ${problems.map((p) => p.path).join(', ')}` }, {
          errors: problems.map((p) => ({ field: p.path, code: 'invalid_catalog', message: p.message })),
        }),
      );
      const compiled = compileCatalog(catalog);
      // Read before the transaction: on the embedded database a read outside it would wait for it.
      const previous = await ctx.catalog.current();
      await ctx.transaction(async (tx, announce) => {
        const orphaned = (await customConfigurationsListing(tx)).flatMap((configuration) => {
          const lost = configuration.steps.filter((step) => !compiled.stepsByKey.has(step));
          return lost.length === 0 ? [] : [{ licence: configuration.licenceCode, id: configuration.id, name: configuration.name, steps: lost }];
        });
        ensure(
          orphaned.length === 0,
          new Problem(
            'conflict',
            {
              en: `Custom configurations still list steps this release removes: ${orphaned.map((c) => `${c.licence}/${c.name}`).join(', ')}`,
              fr: `Des configurations sur mesure listent encore des étapes que cette version retire : ${orphaned.map((c) => `${c.licence}/${c.name}`).join(', ')}`,
            },
            { configurations: orphaned },
          ),
        );
        const releaseId = await insertRelease(tx, catalog);
        const added = [...compiled.stepsUnder.keys()].filter((key) => !previous.stepsUnder.has(key));
        const removed = [...previous.stepsUnder.keys()].filter((key) => !compiled.stepsUnder.has(key));
        await recordAudit(tx, actor, { licenceId: null, action: 'catalog.release', target: { kind: 'catalog', id: String(releaseId) }, before: { removed }, after: { added } }, ctx.now());
        await announce({ kind: 'catalog' });
      });
      source.forget();
      return ctx.catalog.current();
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
