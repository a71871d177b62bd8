import { and, asc, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { entities, entityGroups, rightsConfigurations, users } from '../../platform/db/schema.ts';
import type { ScimUserRow } from './resource.ts';

// Queries of the SCIM endpoints. Every query names the licence (the tenant fence), and none sees the
// protected or internal accounts (the vendor's support and staff): SCIM does not know they exist.

const columns = {
  id: users.id,
  login: users.login,
  firstName: users.firstName,
  lastName: users.lastName,
  email: users.email,
  mobile: users.mobile,
  language: users.language,
  status: users.status,
  externalId: users.externalId,
  version: users.version,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  configurationKey: rightsConfigurations.key,
  entityGroupName: entityGroups.name,
  defaultEntityCode: entities.code,
};

const provisionable = (licenceId: string) => and(eq(users.licenceId, licenceId), eq(users.protected, false), eq(users.internal, false));

function selectUsers(executor: Executor) {
  return executor
    .select(columns)
    .from(users)
    .innerJoin(rightsConfigurations, and(eq(rightsConfigurations.licenceId, users.licenceId), eq(rightsConfigurations.id, users.configurationId)))
    .innerJoin(entityGroups, and(eq(entityGroups.licenceId, users.licenceId), eq(entityGroups.id, users.entityGroupId)))
    .innerJoin(entities, and(eq(entities.licenceId, users.licenceId), eq(entities.id, users.defaultEntityId)));
}

/** A provisionable user of the licence, locked for a change when asked. */
export async function findUser(executor: Executor, licenceId: string, id: string, options: { lock?: boolean } = {}): Promise<ScimUserRow | null> {
  const query = selectUsers(executor).where(and(provisionable(licenceId), eq(users.id, id))).limit(1);
  const [row] = options.lock ? await query.for('update', { of: users }) : await query;
  return row ?? null;
}

export async function listUsers(executor: Executor, licenceId: string, page: { where: SQL | undefined; sortBy: SQL | undefined; descending: boolean; offset: number; limit: number }) {
  const where = and(provisionable(licenceId), page.where);
  const [total] = await executor
    .select({ total: count() })
    .from(users)
    .innerJoin(rightsConfigurations, and(eq(rightsConfigurations.licenceId, users.licenceId), eq(rightsConfigurations.id, users.configurationId)))
    .innerJoin(entityGroups, and(eq(entityGroups.licenceId, users.licenceId), eq(entityGroups.id, users.entityGroupId)))
    .innerJoin(entities, and(eq(entities.licenceId, users.licenceId), eq(entities.id, users.defaultEntityId)))
    .where(where);
  const order = page.descending ? desc : asc;
  // Ties are broken by id, so pages neither repeat nor skip a user.
  const rows =
    page.limit === 0
      ? []
      : await selectUsers(executor)
          .where(where)
          .orderBy(order(page.sortBy ?? sql`lower(${users.login})`), order(users.id))
          .offset(page.offset)
          .limit(page.limit);
  return { total: total?.total ?? 0, rows };
}

export async function setExternalId(executor: Executor, licenceId: string, id: string, externalId: string | null): Promise<void> {
  await executor.update(users).set({ externalId }).where(and(eq(users.licenceId, licenceId), eq(users.id, id)));
}

/** The ids the Gatehouse extension names by key, name and code; null where the licence has none. */
export async function configurationIdByKey(executor: Executor, licenceId: string, key: string): Promise<string | null> {
  const [row] = await executor
    .select({ id: rightsConfigurations.id })
    .from(rightsConfigurations)
    .where(and(eq(rightsConfigurations.licenceId, licenceId), eq(rightsConfigurations.key, key)))
    .limit(1);
  return row?.id ?? null;
}

export async function entityGroupIdByName(executor: Executor, licenceId: string, name: string): Promise<string | null> {
  const [row] = await executor
    .select({ id: entityGroups.id })
    .from(entityGroups)
    .where(and(eq(entityGroups.licenceId, licenceId), eq(entityGroups.name, name)))
    .limit(1);
  return row?.id ?? null;
}

export async function entityIdByCode(executor: Executor, licenceId: string, code: string): Promise<string | null> {
  const [row] = await executor
    .select({ id: entities.id })
    .from(entities)
    .where(and(eq(entities.licenceId, licenceId), eq(entities.code, code)))
    .limit(1);
  return row?.id ?? null;
}
