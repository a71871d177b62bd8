import type { CompiledCatalog } from '../../core/catalog.ts';
import { exceededParts, isSubset, usableSteps, type Reach } from '../../core/privilege-ceiling.ts';
import type { ConfigurationDefinition } from '../../core/rights-configurations.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/client.ts';
import { ensure, fieldError, invalidFieldsDetail, notFound, Problem, type FieldError } from '../../platform/http/problems.ts';
import * as store from './store.ts';

// The privilege ceiling as every feature applies it: whoever manages users or API accounts acts on,
// grants and is offered only what lies within their own reach (core/privilege-ceiling.ts holds the
// rule). One place, so that the users app, the lists the console offers and the API accounts app
// cannot drift apart. Other features reach it through the users service (`ceilings`).

/** Who holds rights: a configuration and an entity group (a user or an API account). */
export interface Holding {
  configurationId: string;
  entityGroupId: string;
}

/**
 * Who acts, as far as the ceiling cares. The vendor's support on a visit is not limited: it is the
 * vendor, who grants through /operator/v1 anyway. Operators never reach these checks as a caller.
 */
export interface CeilingCaller {
  userId: string;
  supportVisit: boolean;
}

export interface Ceiling {
  own: Reach;
  reachOf: (holding: Holding) => Promise<Reach>;
}

type ConfigurationRow = NonNullable<Awaited<ReturnType<typeof store.findConfiguration>>>;

export const definitionOf = (row: Pick<ConfigurationRow, 'kind' | 'key' | 'steps'>): ConfigurationDefinition =>
  row.kind === 'custom' ? { kind: 'custom', steps: row.steps } : { kind: row.kind, key: row.key };

export const exceedsOwnRights = (errors: FieldError[]) => new Problem('exceeds_own_rights', invalidFieldsDetail(errors, 'Cela dépasse vos propres droits'), { errors });

const isLimited = (caller: CeilingCaller | null): caller is CeilingCaller => caller !== null && !caller.supportVisit;

/** Is a holding within the ceiling? No ceiling: everything is. */
export async function isWithinCeiling(ceiling: Ceiling | null, holding: Holding): Promise<boolean> {
  if (ceiling === null) return true;
  const exceeded = exceededParts(await ceiling.reachOf(holding), ceiling.own);
  return !exceeded.steps && !exceeded.entities;
}

/** One acts only on holders (users, API accounts) who hold no more than oneself, rights and entities alike. */
export async function ensureWithinCeiling(ceiling: Ceiling | null, holding: Holding): Promise<void> {
  if (ceiling === null) return;
  const exceeded = exceededParts(await ceiling.reachOf(holding), ceiling.own);
  if (exceeded.steps) throw exceedsOwnRights([fieldError('id', 'exceeds_own_rights', 'holds rights your own configuration does not have')]);
  if (exceeded.entities) throw exceedsOwnRights([fieldError('id', 'exceeds_own_rights', 'sees entities outside your own entity group')]);
}

/** One grants only a configuration and a group within one's own reach. */
export async function ensureGrantWithinCeiling(ceiling: Ceiling | null, granted: Holding): Promise<void> {
  if (ceiling === null) return;
  const exceeded = exceededParts(await ceiling.reachOf(granted), ceiling.own);
  const errors = [
    ...(exceeded.steps ? [fieldError('configurationId', 'exceeds_own_rights', 'grants rights your own configuration does not have')] : []),
    ...(exceeded.entities ? [fieldError('entityGroupId', 'exceeds_own_rights', 'holds entities outside your own entity group')] : []),
  ];
  if (errors.length > 0) throw exceedsOwnRights(errors);
}

/** What the console may offer a caller: the configurations and groups within their reach. */
export interface Offer {
  configuration: (definition: ConfigurationDefinition) => boolean;
  entityGroup: (entityIds: Iterable<string>) => boolean;
}

export function createCeilings(ctx: AppContext) {
  /** What a configuration and group reach in the licence; an id the licence lacks reaches nothing. */
  const reachOf = async (executor: Executor, licence: { id: string; applications: readonly string[] }, catalog: CompiledCatalog, holding: Holding): Promise<Reach> => {
    const configuration = await store.findConfiguration(executor, licence.id, holding.configurationId);
    const entities = await store.entityIdsOfGroup(executor, licence.id, holding.entityGroupId);
    return {
      steps: configuration === null ? new Set() : usableSteps(definitionOf(configuration), catalog, licence.applications),
      entities: new Set(entities ?? []),
    };
  };

  /** The caller's own reach, or null when they are not limited. */
  const ownReach = async (executor: Executor, licence: { id: string; applications: readonly string[] }, caller: CeilingCaller, catalog: CompiledCatalog) => {
    const holding = await store.findRightsHolder(executor, licence.id, caller.userId);
    ensure(holding !== null, new Problem('unauthenticated', { en: 'Your account no longer exists', fr: "Votre compte n'existe plus" }));
    return reachOf(executor, licence, catalog, holding);
  };

  const ceilingOf = async (executor: Executor, licence: { id: string; applications: readonly string[] }, caller: CeilingCaller | null, catalog: CompiledCatalog | null): Promise<Ceiling | null> => {
    if (!isLimited(caller)) return null;
    if (catalog === null) throw new Error('the catalog is read before the transaction for a limited caller');
    const reach = (held: Holding) => reachOf(executor, licence, catalog, held);
    return { own: await ownReach(executor, licence, caller, catalog), reachOf: reach };
  };

  return {
    /** The ceiling's view of a signed-in caller of /api/v1. */
    callerOf: (actor: { userId: string; supportVisit: unknown }): CeilingCaller => ({ userId: actor.userId, supportVisit: actor.supportVisit !== null }),

    /**
     * The catalog a ceiling is computed with, read before a transaction opens: reading it may query
     * the database, which must not wait on the transaction's own connection (PGlite has one).
     */
    catalogFor: async (caller: CeilingCaller | null) => (isLimited(caller) ? ctx.catalog.current() : null),

    /** The ceiling of what the caller may grant and act on, inside a transaction; null when unlimited. */
    ceilingOf,

    /**
     * For another feature's holders (API accounts), inside its transaction: the caller acts only on a
     * holding within their own reach, else 403 exceeds_own_rights naming `id`. `catalog` from catalogFor.
     */
    async ensureMayActOn(executor: Executor, licenceId: string, caller: CeilingCaller, catalog: CompiledCatalog | null, holding: Holding): Promise<void> {
      if (!isLimited(caller)) return;
      const licence = await store.findLicence(executor, licenceId);
      ensure(licence !== null, notFound('licence'));
      await ensureWithinCeiling(await ceilingOf(executor, licence, caller, catalog), holding);
    },

    /**
     * What the caller may be offered, read outside any transaction: a configuration whose usable
     * steps, and a group whose entities, lie within the caller's own. Unlimited: everything.
     */
    async offerTo(licenceId: string, caller: CeilingCaller | null): Promise<Offer> {
      if (!isLimited(caller)) return { configuration: () => true, entityGroup: () => true };
      const catalog = await ctx.catalog.current();
      const licence = await store.findLicence(ctx.db, licenceId);
      ensure(licence !== null, notFound('licence'));
      const own = await ownReach(ctx.db, licence, caller, catalog);
      return {
        configuration: (definition) => isSubset(usableSteps(definition, catalog, licence.applications), own.steps),
        entityGroup: (entityIds) => isSubset(entityIds, own.entities),
      };
    },
  };
}

export type Ceilings = ReturnType<typeof createCeilings>;
