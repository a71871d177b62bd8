import { createMongoAbility, subject, type AnyMongoAbility } from '@casl/ability';
import { entityResolver, usableKeys, type Checks, type Dataset } from '../dataset.ts';
import type { AuthorizationEngine } from '../engine.ts';

// CASL, keeping apart what Gatehouse keeps apart: an ability per rights configuration (the usable
// permission keys as actions on any subject) and an ability per entity group (`access` on subject
// `Entity` on condition that its id is in the group). A check asks the first, then the second when
// an entity is named. (One ability per configuration × group pair, with the keys and the condition
// in one rule, needs some 2 GB of rule index for this dataset.)

interface UserAbilities {
  configuration: AnyMongoAbility;
  entityGroup: AnyMongoAbility;
}

interface LicenceAbilities {
  users: Map<string, UserAbilities>;
  /** Entity id or code → the subject object to check, tagged once with its type. */
  subjects: Map<string, object>;
}

const NOBODY: UserAbilities = { configuration: createMongoAbility([]), entityGroup: createMongoAbility([]) };
const UNKNOWN_ENTITY = subject('Entity', { id: '' });

export function caslEngine(): AuthorizationEngine {
  let licences: LicenceAbilities[] = [];
  const allowed = (licence: LicenceAbilities, userId: string, permission: string, entity: string | undefined) => {
    const user = licence.users.get(userId) ?? NOBODY;
    if (!user.configuration.can(permission, 'all')) return false;
    return entity === undefined || user.entityGroup.can('access', licence.subjects.get(entity) ?? UNKNOWN_ENTITY);
  };
  return {
    name: 'CASL (@casl/ability 7)',
    model: 'createMongoAbility per configuration {action: usable keys, subject: all} and per entity group {action: access, subject: Entity, conditions: {id: {$in: group}}}',
    build(dataset: Dataset) {
      licences = dataset.licences.map((licence) => {
        const configurations = new Map(
          licence.configurations.map(({ id, definition }) => [id, createMongoAbility([{ action: usableKeys(dataset.catalog, licence, definition), subject: 'all' }])]),
        );
        const entityGroups = new Map(
          licence.entityGroups.map((group) => [group.id, createMongoAbility([{ action: 'access', subject: 'Entity', conditions: { id: { $in: [...group.entityIds] } } }])]),
        );
        const users = new Map<string, UserAbilities>();
        for (const user of licence.users) {
          if (user.status !== 'active') continue;
          users.set(user.id, {
            configuration: configurations.get(user.configurationId) ?? NOBODY.configuration,
            entityGroup: entityGroups.get(user.entityGroupId) ?? NOBODY.entityGroup,
          });
        }
        const subjects = new Map<string, object>();
        for (const [name, id] of entityResolver(licence)) subjects.set(name, subject('Entity', { id }));
        return { users, subjects };
      });
    },
    isAllowed(checks: Checks, i: number) {
      return allowed(licences[checks.licence[i] ?? 0] as LicenceAbilities, checks.userId[i] ?? '', checks.permission[i] ?? '', checks.entity[i]);
    },
    run(checks: Checks, from: number, to: number) {
      let count = 0;
      for (let i = from; i < to; i++) {
        if (allowed(licences[checks.licence[i] as number] as LicenceAbilities, checks.userId[i] as string, checks.permission[i] as string, checks.entity[i])) count++;
      }
      return count;
    },
  };
}
