import type { AppContext } from '../../platform/context.ts';
import { cursors, pageOf } from '../../platform/http/pagination.ts';
import { supportVisitOfActorName } from '../../platform/http/authenticate.ts';
import { labelsOf, listAuditEvents, type AuditLabel } from './store.ts';

// Reading the audit trail: a licence's admins read their licence's events, operators read them all.
// Each page comes with the current names of the ids it mentions (users, configurations, groups,
// entities, API accounts), so a reader sees names, not UUIDs; an id without a label is gone. The
// catalog applications a licence's events list (its `applications`) are labelled by key with their
// names in each language; a key the catalog no longer has stays as it is.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every UUID in a recorded value, however deep (e.g. a group's entityIds, a holder's userId). */
function idsIn(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (UUID.test(value)) into.add(value.toLowerCase());
  } else if (Array.isArray(value)) {
    for (const item of value) idsIn(item, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) idsIn(item, into);
  }
}

export interface AuditQuery {
  actor?: string;
  target?: string;
  action?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** Who acted; a support visit also names its operator and ticket apart, so readers can show both in their language. */
function actorOf(event: { actorKind: 'user' | 'operator' | 'support'; actorId: string | null; actorName: string }) {
  const actor = { kind: event.actorKind, id: event.actorId, name: event.actorName };
  if (event.actorKind !== 'support') return { ...actor, operator: null, ticket: null };
  const visit = supportVisitOfActorName(event.actorName);
  return { ...actor, operator: visit.operator, ticket: visit.ticket };
}

/** The application keys a recorded value lists as a licence's `applications`. */
function applicationKeysIn(value: unknown, into: Set<string>): void {
  const applications = typeof value === 'object' && value !== null ? (value as { applications?: unknown }).applications : undefined;
  if (Array.isArray(applications)) for (const key of applications) if (typeof key === 'string') into.add(key);
}

export function createAuditService(ctx: AppContext) {
  return {
    async list(licenceId: string | null | undefined, query: AuditQuery) {
      const after = cursors.newestFirst.decode(query.cursor);
      const rows = await listAuditEvents(ctx.db, {
        licenceId,
        actor: query.actor,
        target: query.target,
        action: query.action,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        after: after as [string, string] | null,
        limit: query.limit,
      });
      const page = pageOf(
        rows,
        query.limit,
        ({ event, licenceCode }) => ({
          id: event.id,
          at: event.at.toISOString(),
          licence: licenceCode,
          actor: actorOf(event),
          action: event.action,
          target: { kind: event.targetKind, id: event.targetId, name: event.targetName },
          before: event.before as Record<string, unknown> | null,
          after: event.after as Record<string, unknown> | null,
          ip: event.ip,
        }),
        ({ event }) => [event.at.toISOString(), event.id],
      );
      const ids = new Set<string>();
      const licenceIds = new Set<string>();
      const applicationKeys = new Set<string>();
      for (const { event } of rows.slice(0, query.limit)) {
        applicationKeysIn(event.before, applicationKeys);
        applicationKeysIn(event.after, applicationKeys);
        if (event.licenceId === null) continue;
        licenceIds.add(event.licenceId);
        idsIn([event.actorId, event.targetId, event.before, event.after], ids);
      }
      const labels = await labelsOf(ctx.db, [...licenceIds], [...ids]);
      if (applicationKeys.size > 0) {
        for (const category of (await ctx.catalog.current()).source.categories) {
          for (const application of category.applications) {
            if (applicationKeys.has(application.key)) labels.set(application.key, { kind: 'application', name: application.name.en, names: application.name });
          }
        }
      }
      return { ...page, labels: Object.fromEntries(labels) as Record<string, AuditLabel> };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
