import type { CompiledCatalog } from './catalog.ts';
import type { Decision, DecisionReason, LicenceSnapshotInput } from './decision.ts';
import { stepsOfConfiguration } from './rights-configurations.ts';

// The decision read straight from DESIGN.md §1, over the licence as stored: no indexes, no caching.
// It is slow on purpose, so that it is plainly right; the property tests hold the fast engine to it.

const answer = (reason: DecisionReason): Decision => ({ allowed: reason === 'ok', reason });

export function referenceDecide(
  catalog: CompiledCatalog,
  input: LicenceSnapshotInput,
  user: { id: string } | { login: string },
  permission: string,
  entity?: string,
): Decision {
  // 1. The user exists and is active; a login is matched whatever its case.
  const found =
    'id' in user
      ? input.users.find((candidate) => candidate.id === user.id)
      : input.users.find((candidate) => candidate.login.toLowerCase() === user.login.toLowerCase());
  if (found === undefined) return answer('unknown_user');
  if (found.status !== 'active') return answer('inactive_user');

  // A category or application key stands for every step under it; one usable step is enough.
  const wanted = catalog.stepsUnder.get(permission);
  if (wanted === undefined) return answer('unknown_permission');

  // 2. The permission is granted by the user's rights configuration.
  const configuration = input.configurations.find((candidate) => candidate.id === found.configurationId);
  const configured = new Set(configuration === undefined ? [] : stepsOfConfiguration(configuration.definition, catalog));
  const wantedAndConfigured = wanted.filter((step) => configured.has(step));
  if (wantedAndConfigured.length === 0) return answer('not_in_configuration');

  // 3. The permission's application is subscribed by the licence.
  const subscribed = new Set(input.applications);
  const usable = wantedAndConfigured.filter((step) => subscribed.has(catalog.stepsByKey.get(step)?.application ?? ''));
  if (usable.length === 0) return answer('application_not_subscribed');

  // 4. No entity is named, or the entity (by id, else by code) is in the user's entity group.
  if (entity !== undefined) {
    const target = input.entities.find((candidate) => candidate.id === entity) ?? input.entities.find((candidate) => candidate.code === entity);
    const group = input.entityGroups.find((candidate) => candidate.id === found.entityGroupId);
    if (target === undefined || group === undefined || !group.entityIds.includes(target.id)) return answer('entity_not_in_group');
  }
  return answer('ok');
}

/** The steps a user may actually use, as `grantedSteps` should give them. */
export function referenceGrantedSteps(catalog: CompiledCatalog, input: LicenceSnapshotInput, userId: string): Set<string> | null {
  const found = input.users.find((candidate) => candidate.id === userId);
  if (found === undefined) return null;
  if (found.status !== 'active') return new Set();
  const configuration = input.configurations.find((candidate) => candidate.id === found.configurationId);
  const configured = configuration === undefined ? [] : stepsOfConfiguration(configuration.definition, catalog);
  const subscribed = new Set(input.applications);
  return new Set(configured.filter((step) => subscribed.has(catalog.stepsByKey.get(step)?.application ?? '')));
}
