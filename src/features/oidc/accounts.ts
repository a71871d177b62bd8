import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';

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

/**
 * The person a user id names, as one JSON value (null when there is none): a scalar subquery, so
 * the code exchange reads it in the same round trip as the code (see adapter.ts).
 */
export function personJson(userId: SQL): SQL {
  return sql`(SELECT json_build_object(
      'id', u.id, 'licenceId', u.licence_id,
      'licence', json_build_object('id', l.id, 'code', l.code, 'name', l.name, 'applications', l.applications),
      'login', u.login, 'firstName', u.first_name, 'lastName', u.last_name, 'email', u.email, 'mobile', u.mobile,
      'language', u.language, 'active', u.status = 'active', 'internal', u.internal,
      'configuration', json_build_object('key', c.key, 'name', c.name),
      'defaultEntity', json_build_object('id', e.id, 'code', e.code))
    FROM users u
    JOIN licences l ON l.id = u.licence_id
    JOIN rights_configurations c ON c.licence_id = u.licence_id AND c.id = u.configuration_id
    JOIN entities e ON e.licence_id = u.licence_id AND e.id = u.default_entity_id
    WHERE u.id = ${userId}
    LIMIT 1)`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The person a user id names (the `sub` of every token), or null. */
export async function findPerson(executor: Executor, userId: string): Promise<Person | null> {
  if (!UUID.test(userId)) return null;
  const result = (await executor.execute(sql`SELECT ${personJson(sql`${userId}::uuid`)} AS person`)) as unknown as { rows: { person: Person | null }[] };
  return result.rows[0]?.person ?? null;
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
