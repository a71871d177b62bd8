import { and, desc, eq, gte, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { auditEvents, licences } from '../../platform/db/schema.ts';

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
  if (filter.licenceId === null) conditions.push(isNull(auditEvents.licenceId));
  else if (filter.licenceId !== undefined) conditions.push(eq(auditEvents.licenceId, filter.licenceId));
  // The actor and target are matched by id or by name, whichever the reader knows.
  if (filter.actor) conditions.push(or(eq(sql`${auditEvents.actorId}::text`, filter.actor), eq(sql`lower(${auditEvents.actorName})`, filter.actor.toLowerCase()))!);
  if (filter.target) conditions.push(or(eq(auditEvents.targetId, filter.target), eq(sql`lower(${auditEvents.targetName})`, filter.target.toLowerCase()))!);
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.from) conditions.push(gte(auditEvents.at, filter.from));
  if (filter.to) conditions.push(lt(auditEvents.at, filter.to));
  if (filter.after) conditions.push(sql`(${auditEvents.at}, ${auditEvents.id}) < (${filter.after[0]}::timestamptz, ${filter.after[1]}::uuid)`);
  return executor
    .select({ event: auditEvents, licenceCode: licences.code })
    .from(auditEvents)
    .leftJoin(licences, eq(licences.id, auditEvents.licenceId))
    .where(and(...conditions))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(filter.limit + 1);
}
