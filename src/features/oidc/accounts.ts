import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { entities, licences, rightsConfigurations, users } from '../../platform/db/schema.ts';

// Who a token's subject is, as applications learn it: the OpenID claims, and Gatehouse's own under
// the `gatehouse` scope (licence, login, rights configuration, default entity).

export interface Person {
  id: string;
  licenceId: string;
  licence: { id: string; code: string; name: string; applications: string[] };
  login: string;
  firstName: string;
  lastName: string;
  email: string;
  mobile: string | null;
  language: string;
  active: boolean;
  internal: boolean;
  configuration: { key: string; name: string };
  defaultEntity: { id: string; code: string };
}

/** The person a user id names (the `sub` of every token), or null. */
export async function findPerson(executor: Executor, userId: string): Promise<Person | null> {
  const [row] = await executor
    .select({
      user: users,
      licence: { id: licences.id, code: licences.code, name: licences.name, applications: licences.applications },
      configuration: { key: rightsConfigurations.key, name: rightsConfigurations.name },
      defaultEntity: { id: entities.id, code: entities.code },
    })
    .from(users)
    .innerJoin(licences, eq(licences.id, users.licenceId))
    .innerJoin(rightsConfigurations, and(eq(rightsConfigurations.licenceId, users.licenceId), eq(rightsConfigurations.id, users.configurationId)))
    .innerJoin(entities, and(eq(entities.licenceId, users.licenceId), eq(entities.id, users.defaultEntityId)))
    .where(eq(users.id, userId))
    .limit(1);
  if (row === undefined) return null;
  const { user } = row;
  return {
    id: user.id,
    licenceId: user.licenceId,
    licence: row.licence,
    login: user.login,
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    mobile: user.mobile,
    language: user.language,
    active: user.status === 'active',
    internal: user.internal,
    configuration: row.configuration,
    defaultEntity: row.defaultEntity,
  };
}

/** Every claim the person has; oidc-provider keeps those the granted scopes name. */
export function claimsOf(person: Person): Record<string, unknown> {
  return {
    sub: person.id,
    name: `${person.firstName} ${person.lastName}`.trim(),
    given_name: person.firstName,
    family_name: person.lastName,
    locale: person.language,
    email: person.email,
    ...(person.mobile === null ? {} : { phone_number: person.mobile }),
    licence: { id: person.licence.id, code: person.licence.code, name: person.licence.name },
    login: person.login,
    configuration: person.configuration,
    default_entity: person.defaultEntity,
  };
}

/** The claims each scope grants, as the discovery document publishes them. */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'locale'],
  email: ['email'],
  phone: ['phone_number'],
  gatehouse: ['licence', 'login', 'configuration', 'default_entity'],
};
