import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from 'casbin';
import { entityResolver, usableKeys, type Checks, type Dataset } from '../dataset.ts';
import type { AuthorizationEngine } from '../engine.ts';

// Casbin: RBAC with resource roles, one enforcer per licence (a licence is a tenant; one enforcer
// for all of them would scan every licence's policy lines on every check). A user has their rights
// configuration as role (g); every usable permission key belongs to the configuration's key group
// (g2); a user reaches the entities of their group through the group (g3, transitive). Deactivated
// users get no role.

const MODEL = `
[request_definition]
r = sub, obj, ent

[policy_definition]
p = sub, obj

[role_definition]
g = _, _
g2 = _, _
g3 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && g2(r.obj, p.obj) && (r.ent == "" || g3(r.sub, r.ent))
`;

interface LicenceEnforcer {
  enforcer: Enforcer;
  entityIds: ReadonlyMap<string, string>;
}

export function casbinEngine(): AuthorizationEngine {
  let licences: LicenceEnforcer[] = [];
  const allowed = (licence: LicenceEnforcer, userId: string, permission: string, entity: string | undefined) =>
    licence.enforcer.enforceSync(userId, permission, entity === undefined ? '' : (licence.entityIds.get(entity) ?? entity));
  return {
    name: 'casbin (node-casbin 5)',
    model: 'RBAC with resource roles, one enforcer per licence: g user→configuration, g2 key→configuration keys, g3 user→group→entity',
    async build(dataset: Dataset) {
      licences = await Promise.all(
        dataset.licences.map(async (licence) => {
          const lines: string[] = [];
          for (const configuration of licence.configurations) {
            lines.push(`p, ${configuration.id}, ${configuration.id}-keys`);
            for (const key of usableKeys(dataset.catalog, licence, configuration.definition)) lines.push(`g2, ${key}, ${configuration.id}-keys`);
          }
          for (const group of licence.entityGroups) for (const entityId of group.entityIds) lines.push(`g3, ${group.id}, ${entityId}`);
          for (const user of licence.users) {
            if (user.status !== 'active') continue;
            lines.push(`g, ${user.id}, ${user.configurationId}`, `g3, ${user.id}, ${user.entityGroupId}`);
          }
          const enforcer = await newEnforcer(newModelFromString(MODEL), new StringAdapter(lines.join('\n')));
          return { enforcer, entityIds: entityResolver(licence) };
        }),
      );
    },
    isAllowed(checks: Checks, i: number) {
      return allowed(licences[checks.licence[i] ?? 0] as LicenceEnforcer, checks.userId[i] ?? '', checks.permission[i] ?? '', checks.entity[i]);
    },
    run(checks: Checks, from: number, to: number) {
      let count = 0;
      for (let i = from; i < to; i++) {
        if (allowed(licences[checks.licence[i] as number] as LicenceEnforcer, checks.userId[i] as string, checks.permission[i] as string, checks.entity[i])) count++;
      }
      return count;
    },
  };
}
