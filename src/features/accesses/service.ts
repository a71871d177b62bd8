import { randomUUID } from 'node:crypto';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/client.ts';
import { cursors, pageOf } from '../../platform/http/pagination.ts';
import { ensure, invalidField, notFound, Problem } from '../../platform/http/problems.ts';
import { createSession } from '../../platform/http/sessions.ts';
import * as store from './store.ts';

// Licence accesses: who signed in to the console and when, and when the vendor's support came in, on
// which ticket. Customers read both; neither can be altered.

export interface PeriodQuery {
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

function period(query: PeriodQuery) {
  const after = cursors.newestFirst.decode(query.cursor);
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : undefined;
  ensure(!from || !to || from < to, invalidField('to', 'before_from', { en: 'must come after from', fr: 'doit venir après le début' }));
  return { from, to, after: after as [string, string] | null, limit: query.limit };
}

const cursorKey = (row: { at: Date; id: string }) => [row.at.toISOString(), row.id];

/** Records a console sign-in; called by sign-in in the transaction that opens the session. */
export async function recordSignInAccess(executor: Executor, entry: { licenceId: string; userId: string; login: string; at: Date; ip: string | null; userAgent: string | null }): Promise<void> {
  await store.insertSignInAccess(executor, { id: randomUUID(), ...entry, userAgent: entry.userAgent?.slice(0, 512) ?? null });
}

export function createAccessesService(ctx: AppContext) {
  return {
    async signIns(licenceId: string, query: PeriodQuery & { login?: string }) {
      const rows = await store.listSignInAccesses(ctx.db, licenceId, { ...period(query), login: query.login });
      return pageOf(rows, query.limit, (row) => ({ login: row.login, at: row.at.toISOString(), ip: row.ip, userAgent: row.userAgent }), cursorKey);
    },

    async supportVisits(licenceId: string, query: PeriodQuery) {
      const rows = await store.listSupportVisits(ctx.db, licenceId, period(query));
      return pageOf(rows, query.limit, (row) => ({ at: row.at.toISOString(), ticket: row.ticket, description: row.description, operator: row.operator }), cursorKey);
    },

    /**
     * Opens a support visit: a session of the licence's support account, logged with its ticket. A
     * licence that deactivated its support account has cut the vendor off.
     */
    async openSupportVisit(licenceId: string, visit: { ticket: string; description: string; operator: string }, actor: AuditActor) {
      const now = ctx.now();
      return ctx.transaction(async (tx) => {
        const support = await store.findSupportAccount(tx, licenceId);
        ensure(support !== null, notFound('support account'));
        ensure(support.status === 'active', new Problem('support_access_blocked', { en: 'The licence has deactivated its support account', fr: 'La licence a désactivé son compte support' }));
        const id = randomUUID();
        await store.insertSupportVisit(tx, { licenceId, id, at: now, ...visit, operatorTokenId: actor.id });
        const session = await createSession(tx, { licenceId, userId: support.id, ip: actor.ip, userAgent: null, now, supportVisitId: id }, { idleMinutes: ctx.config.sessionIdleMinutes, maxHours: ctx.config.sessionMaxHours });
        await recordAudit(tx, actor, { licenceId, action: 'support_visit.open', target: { kind: 'support_visit', id, name: visit.ticket }, after: visit }, now);
        return { sessionToken: session.token, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
      });
    },
  };
}

export type AccessesService = ReturnType<typeof createAccessesService>;
