import { and, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { LocalizedName } from '../../core/catalog.ts';
import type { Executor } from '../../platform/db/client.ts';
import { apiAccounts, auditEvents, entities, entityGroups, licences, PLATFORM_LICENCE_ID, rightsConfigurations, users } from '../../platform/db/schema.ts';

export interface AuditFilter {
  /** A licence's events; null for the platform-wide ones; undefined for every event (operators). */
  licenceId?: string | null;
  actor?: string;
  target?: string;
  action?: string;
  from?: Date;
  to?: Date;
  after: [string, string] | null;
  limit: number;
}

export async function listAuditEvents(executor: Executor, filter: AuditFilter) {
  const conditions: SQL[] = [];
  if (filter.licenceId === null) conditions.push(eq(auditEvents.licenceId, PLATFORM_LICENCE_ID));
  else if (filter.licenceId !== undefined) conditions.push(eq(auditEvents.licenceId, filter.licenceId));
  // The actor and target are matched by id or by name, whichever the reader knows; an actor also by
  // the full name of the person (first name then last name, or last then first), as the trail shows it.
  if (filter.actor) {
    const typed = filter.actor.toLowerCase();
    const named = executor
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          typeof filter.licenceId === 'string' ? eq(users.licenceId, filter.licenceId) : undefined,
          or(sql`lower(${users.firstName} || ' ' || ${users.lastName}) = ${typed}`, sql`lower(${users.lastName} || ' ' || ${users.firstName}) = ${typed}`),
        ),
      );
    conditions.push(or(eq(sql`${auditEvents.actorId}::text`, filter.actor), eq(sql`lower(${auditEvents.actorName})`, typed), inArray(auditEvents.actorId, named))!);
  }
  if (filter.target) conditions.push(or(eq(auditEvents.targetId, filter.target), eq(sql`lower(${auditEvents.targetName})`, filter.target.toLowerCase()))!);
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.from) conditions.push(gte(auditEvents.at, filter.from));
  if (filter.to) conditions.push(lt(auditEvents.at, filter.to));
  if (filter.after) conditions.push(sql`(${auditEvents.at}, ${auditEvents.id}) < (${filter.after[0]}::timestamptz, ${filter.after[1]}::uuid)`);
  const rows = await executor
    .select({ event: auditEvents, licenceCode: licences.code })
    .from(auditEvents)
    .leftJoin(licences, eq(licences.id, auditEvents.licenceId))
    .where(and(...conditions))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(filter.limit + 1);
  // The platform's own events are filed under PLATFORM_LICENCE_ID (0013): they belong to no licence.
  return rows.map(({ event, licenceCode }) => ({ event: { ...event, licenceId: event.licenceId === PLATFORM_LICENCE_ID ? null : event.licenceId }, licenceCode }));
}

/** What an id named in the audit trail stands for, as the reader should see it. */
export interface AuditLabel {
  kind: 'user' | 'api_account' | 'rights_configuration' | 'entity_group' | 'entity' | 'application';
  name: string;
  /** An application of the catalog, by its name in each language (its key is the label's key). */
  names?: LocalizedName;
  /** A user's login, an entity's code. */
  detail?: string;
  /** The key of a standard or internal configuration, which the console names in the reader's language. */
  key?: string;
}

/** The current names of the given ids, within the given licences (the tenant fence); gone ones are absent. */
export async function labelsOf(executor: Executor, licenceIds: string[], ids: string[]): Promise<Map<string, AuditLabel>> {
  const labels = new Map<string, AuditLabel>();
  if (ids.length === 0 || licenceIds.length === 0) return labels;
  const [userRows, accountRows, configurationRows, groupRows, entityRows] = await Promise.all([
    executor.select({ id: users.id, firstName: users.firstName, lastName: users.lastName, login: users.login }).from(users).where(and(inArray(users.licenceId, licenceIds), inArray(users.id, ids))),
    executor.select({ id: apiAccounts.id, login: apiAccounts.login }).from(apiAccounts).where(and(inArray(apiAccounts.licenceId, licenceIds), inArray(apiAccounts.id, ids))),
    executor
      .select({ id: rightsConfigurations.id, name: rightsConfigurations.name, key: rightsConfigurations.key, kind: rightsConfigurations.kind })
      .from(rightsConfigurations)
      .where(and(inArray(rightsConfigurations.licenceId, licenceIds), inArray(rightsConfigurations.id, ids))),
    executor.select({ id: entityGroups.id, name: entityGroups.name }).from(entityGroups).where(and(inArray(entityGroups.licenceId, licenceIds), inArray(entityGroups.id, ids))),
    executor.select({ id: entities.id, name: entities.name, code: entities.code }).from(entities).where(and(inArray(entities.licenceId, licenceIds), inArray(entities.id, ids))),
  ]);
  for (const row of entityRows) labels.set(row.id, { kind: 'entity', name: row.name, detail: row.code });
  for (const row of groupRows) labels.set(row.id, { kind: 'entity_group', name: row.name });
  for (const row of configurationRows) labels.set(row.id, { kind: 'rights_configuration', name: row.name, ...(row.kind === 'custom' ? {} : { key: row.key }) });
  for (const row of accountRows) labels.set(row.id, { kind: 'api_account', name: row.login });
  for (const row of userRows) labels.set(row.id, { kind: 'user', name: `${row.firstName} ${row.lastName}`.trim(), detail: row.login });
  return labels;
}
