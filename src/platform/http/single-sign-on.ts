import { and, eq, inArray, or } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { oidcPayloads } from '../db/schema.ts';
import { enqueueMessages } from '../messaging/outbox.ts';

// Ending what applications hold, from Gatehouse's side: a person signed out of the console, or a user
// deactivated, deleted or reset. It is done in the database, in the transaction of the change, so it
// holds in every process at once; the applications that asked for it are told by back-channel logout
// notices, queued in the same transaction and sent by the outbox (retried, never lost).

interface SessionPayload {
  accountId?: string;
  authorizations?: Record<string, { sid?: string; grantId?: string; persistsLogout?: boolean }>;
}

/** A back-channel logout notice, as the outbox carries it to the provider's sender. */
export interface BackchannelNotice {
  clientId: string;
  sub: string;
  sid: string;
}

async function noticesFor(executor: Executor, sessions: { payload: Record<string, unknown> }[]) {
  const notices: BackchannelNotice[] = [];
  const grantIds: string[] = [];
  for (const { payload } of sessions) {
    const session = payload as SessionPayload;
    for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
      if (session.accountId && authorization.sid) notices.push({ clientId, sub: session.accountId, sid: authorization.sid });
      if (authorization.grantId && !authorization.persistsLogout) grantIds.push(authorization.grantId);
    }
  }
  if (notices.length > 0) {
    await enqueueMessages(
      executor,
      notices.map((notice) => ({ licenceId: null, channel: 'backchannel-logout' as const, to: notice.clientId, text: JSON.stringify(notice) })),
    );
  }
  return grantIds;
}

/**
 * Everything every application holds for these users: single sign-on sessions, grants, codes,
 * refresh tokens. Their JWT access tokens stop at Gatehouse's own API from the next request (it
 * checks the grant); applications that verify them offline learn it from the notices.
 */
export async function endApplicationAccess(executor: Executor, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const accounts = [...userIds];
  const sessions = await executor
    .select({ payload: oidcPayloads.payload })
    .from(oidcPayloads)
    .where(and(eq(oidcPayloads.model, 'Session'), inArray(oidcPayloads.accountId, accounts)));
  await noticesFor(executor, sessions);
  await executor.delete(oidcPayloads).where(inArray(oidcPayloads.accountId, accounts));
}

/**
 * One browser's single sign-on session, when its console session ends: the applications signed in
 * through it are told, and their grants end (but those given for offline access).
 */
export async function endSingleSignOnSession(executor: Executor, sessionId: string): Promise<void> {
  const sessions = await executor
    .select({ payload: oidcPayloads.payload })
    .from(oidcPayloads)
    .where(and(eq(oidcPayloads.model, 'Session'), eq(oidcPayloads.id, sessionId)));
  const grantIds = await noticesFor(executor, sessions);
  if (grantIds.length > 0) {
    // The grants themselves (stored under their own id) and every artefact issued under them.
    await executor.delete(oidcPayloads).where(or(inArray(oidcPayloads.grantId, grantIds), and(eq(oidcPayloads.model, 'Grant'), inArray(oidcPayloads.id, grantIds))));
  }
  await executor.delete(oidcPayloads).where(and(eq(oidcPayloads.model, 'Session'), eq(oidcPayloads.id, sessionId)));
}
