import type { CompiledCatalog } from './catalog.ts';
import { stepsOfConfiguration, type ConfigurationDefinition } from './rights-configurations.ts';

// Nobody hands out more than they hold. A licence admin (anyone with user management) may grant a
// rights configuration, and act on a user, only within their own reach: the steps their own
// configuration lets them use, and the entities of their own group. Without this ceiling a custom
// configuration with user management would be a ladder to every right of the licence.

/** What a holder can reach: the steps they may use, and the entities whose data they see. */
export interface Reach {
  steps: ReadonlySet<string>;
  entities: ReadonlySet<string>;
}

/**
 * The steps a configuration lets its holder use in a licence: those it grants of the applications
 * the licence subscribes. A step of an unsubscribed application grants nothing, so it is no right to
 * hand out either.
 */
export function usableSteps(definition: ConfigurationDefinition, catalog: CompiledCatalog, subscribedApplications: readonly string[]): Set<string> {
  const subscribed = new Set(subscribedApplications);
  return new Set(stepsOfConfiguration(definition, catalog).filter((step) => subscribed.has(catalog.stepsByKey.get(step)?.application ?? '')));
}

export function isSubset(part: Iterable<string>, whole: ReadonlySet<string>): boolean {
  for (const item of part) if (!whole.has(item)) return false;
  return true;
}

/** Which part of a reach goes beyond the granter's own: none, the rights, the entities, or both. */
export function exceededParts(wanted: Reach, own: Reach): { steps: boolean; entities: boolean } {
  return { steps: !isSubset(wanted.steps, own.steps), entities: !isSubset(wanted.entities, own.entities) };
}

export function isWithinReach(wanted: Reach, own: Reach): boolean {
  const exceeded = exceededParts(wanted, own);
  return !exceeded.steps && !exceeded.entities;
}
