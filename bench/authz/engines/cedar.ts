import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { EntityJson, EntityUidJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import { entityResolver, usableKeys, type Checks, type Dataset } from '../dataset.ts';
import type { AuthorizationEngine } from '../engine.ts';

// Cedar: a permission key is an action; a user is `in` their rights configuration. Each licence has
// its own preparsed policy set (so a check evaluates only its licence's policies): one permit per
// configuration listing its usable keys as actions, a forbid for deactivated users, and a forbid for
// an entity outside the user's entity group. The resource is the named entity, or the licence when
// none is named. The request carries the user and the entity as JSON entities, prepared once.

const uid = (type: string, id: string): TypeAndId => ({ type: `Gatehouse::${type}`, id });
const quoted = (text: string) => JSON.stringify(text);

const FORBIDS = `
forbid (principal, action, resource) unless { principal.active };
forbid (principal, action, resource is Gatehouse::Entity) unless { resource in principal.entityGroup };
`;

interface LicencePolicies {
  policySetId: string;
  licence: EntityUidJson;
  users: Map<string, EntityJson>;
  /** Entity id or code → the entity with the groups it belongs to. */
  entities: Map<string, EntityJson>;
}

export function cedarEngine(): AuthorizationEngine {
  let licences: LicencePolicies[] = [];
  const actions = new Map<string, TypeAndId>();
  const action = (permission: string) => {
    let found = actions.get(permission);
    if (found === undefined) actions.set(permission, (found = uid('Action', permission)));
    return found;
  };
  const allowed = (licence: LicencePolicies, userId: string, permission: string, entity: string | undefined) => {
    const user = licence.users.get(userId);
    const target = entity === undefined ? undefined : licence.entities.get(entity);
    const entities: EntityJson[] = [];
    if (user !== undefined) entities.push(user);
    if (target !== undefined) entities.push(target);
    const answer = cedar.statefulIsAuthorized({
      principal: user?.uid ?? uid('User', userId),
      action: action(permission),
      resource: entity === undefined ? licence.licence : (target?.uid ?? uid('Entity', entity)),
      context: {},
      preparsedPolicySetId: licence.policySetId,
      entities,
    });
    if (answer.type === 'failure') throw new Error(answer.errors.map((e) => e.message).join('; '));
    return answer.response.decision === 'allow';
  };
  return {
    name: 'Cedar (@cedar-policy/cedar-wasm 4)',
    model: 'preparsed policy set per licence: permit(principal in Configuration, action in [usable keys], resource) + 2 forbids',
    build(dataset: Dataset) {
      licences = dataset.licences.map((licence) => {
        const permits = licence.configurations.map(({ id, definition }) => {
          const keys = usableKeys(dataset.catalog, licence, definition);
          if (keys.length === 0) return '';
          const list = keys.map((key) => `Gatehouse::Action::${quoted(key)}`).join(', ');
          return `permit (principal in Gatehouse::Configuration::${quoted(id)}, action in [${list}], resource);`;
        });
        const policySetId = licence.licenceId;
        const parsed = cedar.preparsePolicySet(policySetId, { staticPolicies: permits.join('\n') + FORBIDS });
        if (parsed.type === 'failure') throw new Error(parsed.errors.map((e) => e.message).join('; '));
        const users = new Map<string, EntityJson>();
        for (const user of licence.users) {
          users.set(user.id, {
            uid: uid('User', user.id),
            attrs: { active: user.status === 'active', entityGroup: { __entity: uid('EntityGroup', user.entityGroupId) } },
            parents: [uid('Configuration', user.configurationId)],
          });
        }
        const groupsOf = new Map<string, EntityUidJson[]>();
        for (const group of licence.entityGroups) {
          for (const entityId of group.entityIds) groupsOf.set(entityId, [...(groupsOf.get(entityId) ?? []), uid('EntityGroup', group.id)]);
        }
        const entities = new Map<string, EntityJson>();
        for (const [name, id] of entityResolver(licence)) entities.set(name, { uid: uid('Entity', id), attrs: {}, parents: groupsOf.get(id) ?? [] });
        return { policySetId, licence: uid('Licence', licence.licenceId), users, entities };
      });
    },
    isAllowed(checks: Checks, i: number) {
      return allowed(licences[checks.licence[i] ?? 0] as LicencePolicies, checks.userId[i] ?? '', checks.permission[i] ?? '', checks.entity[i]);
    },
    run(checks: Checks, from: number, to: number) {
      let count = 0;
      for (let i = from; i < to; i++) {
        if (allowed(licences[checks.licence[i] as number] as LicencePolicies, checks.userId[i] as string, checks.permission[i] as string, checks.entity[i])) count++;
      }
      return count;
    },
  };
}
