import type { AppContext } from '../../platform/context.ts';
import { cursors, pageOf } from '../../platform/http/pagination.ts';
import { listAuditEvents } from './store.ts';

// Reading the audit trail: a licence's admins read their licence's events, operators read them all.

export interface AuditQuery {
  actor?: string;
  target?: string;
  action?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
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
      return pageOf(
        rows,
        query.limit,
        ({ event, licenceCode }) => ({
          id: event.id,
          at: event.at.toISOString(),
          licence: licenceCode,
          actor: { kind: event.actorKind, id: event.actorId, name: event.actorName },
          action: event.action,
          target: { kind: event.targetKind, id: event.targetId, name: event.targetName },
          before: event.before as Record<string, unknown> | null,
          after: event.after as Record<string, unknown> | null,
          ip: event.ip,
        }),
        ({ event }) => [event.at.toISOString(), event.id],
      );
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
