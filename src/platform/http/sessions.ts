import { randomUUID } from 'node:crypto';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { deriveToken, hashToken } from '../crypto.ts';
import type { Executor } from '../db/client.ts';
import { sessions, signInChallenges, supportVisits, users } from '../db/schema.ts';
import { licenceOfToken, licenceToken } from '../licence-tokens.ts';
import { endApplicationAccess } from './single-sign-on.ts';

// Console sessions: an opaque random token in an HttpOnly cookie (or a Bearer header for support
// visits), stored hashed. The CSRF token is derived from the session token, so it needs no storage
// and only the holder of the cookie can know it. The token starts with its licence's id
// (platform/licence-tokens.ts), so it is looked up in its licence; the sessions opened before
// migration 0013, which had none, ended with it.

export const SESSION_COOKIE = 'gatehouse_session';

export interface SessionLifetime {
  idleMinutes: number;
  maxHours: number;
}

export interface NewSession {
  id: string;
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export const csrfTokenOf = (sessionToken: string) => deriveToken(sessionToken, 'gatehouse-csrf');

export interface SessionInput {
  licenceId: string;
  userId: string;
  ip: string | null;
  userAgent: string | null;
  now: Date;
  supportVisitId?: string;
  passwordChangeRequired?: boolean;
  secondFactorEnrolmentRequired?: boolean;
}

/** A new session's token and the row that stores it (hashed), for a caller that writes it with more (a sign-in). */
export function newSession(input: SessionInput, lifetime: SessionLifetime): { session: NewSession; row: typeof sessions.$inferInsert } {
  const token = licenceToken(input.licenceId);
  const id = randomUUID();
  const expiresAt = new Date(input.now.getTime() + lifetime.maxHours * 3_600_000);
  const row = {
    licenceId: input.licenceId,
    id,
    userId: input.userId,
    tokenHash: hashToken(token),
    createdAt: input.now,
    lastSeenAt: input.now,
    expiresAt,
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    supportVisitId: input.supportVisitId ?? null,
    passwordChangeRequired: input.passwordChangeRequired ?? false,
    secondFactorEnrolmentRequired: input.secondFactorEnrolmentRequired ?? false,
  };
  return { session: { id, token, csrfToken: csrfTokenOf(token), expiresAt }, row };
}

export async function createSession(executor: Executor, input: SessionInput, lifetime: SessionLifetime): Promise<NewSession> {
  const { session, row } = newSession(input, lifetime);
  await executor.insert(sessions).values(row);
  return session;
}

export interface ActiveSession {
  id: string;
  licenceId: string;
  userId: string;
  login: string;
  language: string;
  lastSeenAt: Date;
  expiresAt: Date;
  supportVisit: { id: string; operator: string; ticket: string } | null;
  /** An administrator who must enrol a passkey or an authenticator app: only that is served (features/passkeys/admin-policy.ts). */
  secondFactorEnrolmentRequired: boolean;
  /** Opened with a password past the licence's renewal period: only its change is served (features/password-renewal). */
  passwordChangeRequired: boolean;
}

/** Where a session token's row is: in its licence, by hash; null for a token that names no licence. */
function sessionOfToken(token: string) {
  const routed = licenceOfToken(token);
  if (routed === null || !('licenceId' in routed)) return null;
  return and(eq(sessions.licenceId, routed.licenceId), eq(sessions.tokenHash, hashToken(token)));
}

/** The session a token opens, if it is still valid and its user is active. */
export async function findActiveSession(executor: Executor, token: string, lifetime: SessionLifetime, now: Date): Promise<ActiveSession | null> {
  const where = sessionOfToken(token);
  if (where === undefined || where === null) return null;
  const [row] = await executor
    .select({
      id: sessions.id,
      licenceId: sessions.licenceId,
      userId: sessions.userId,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      secondFactorEnrolmentRequired: sessions.secondFactorEnrolmentRequired,
      passwordChangeRequired: sessions.passwordChangeRequired,
      login: users.login,
      language: users.language,
      status: users.status,
      visitId: supportVisits.id,
      visitOperator: supportVisits.operator,
      visitTicket: supportVisits.ticket,
    })
    .from(sessions)
    .innerJoin(users, and(eq(users.licenceId, sessions.licenceId), eq(users.id, sessions.userId)))
    .leftJoin(supportVisits, and(eq(supportVisits.licenceId, sessions.licenceId), eq(supportVisits.id, sessions.supportVisitId)))
    .where(where)
    .limit(1);
  if (row === undefined || row.status !== 'active') return null;
  const idleLimit = now.getTime() - lifetime.idleMinutes * 60_000;
  if (row.expiresAt.getTime() <= now.getTime() || row.lastSeenAt.getTime() <= idleLimit) return null;
  const supportVisit = row.visitId === null ? null : { id: row.visitId, operator: row.visitOperator ?? '', ticket: row.visitTicket ?? '' };
  return { id: row.id, licenceId: row.licenceId, userId: row.userId, login: row.login, language: row.language, lastSeenAt: row.lastSeenAt, expiresAt: row.expiresAt, supportVisit, secondFactorEnrolmentRequired: row.secondFactorEnrolmentRequired, passwordChangeRequired: row.passwordChangeRequired };
}

/** Keeps an active session alive: the write, or null when there is none (at most one a minute, to spare the database). */
export function touchSession(executor: Executor, session: ActiveSession, now: Date): Promise<void> | null {
  if (now.getTime() - session.lastSeenAt.getTime() < 60_000) return null;
  session.lastSeenAt = now;
  return executor
    .update(sessions)
    .set({ lastSeenAt: now })
    .where(and(eq(sessions.licenceId, session.licenceId), eq(sessions.id, session.id)))
    .then(() => undefined);
}

/** Ends one session; answers whose it was, so the change can be announced. */
export async function endSession(executor: Executor, token: string): Promise<{ licenceId: string; userId: string } | null> {
  const where = sessionOfToken(token);
  if (where === undefined || where === null) return null;
  const [ended] = await executor
    .delete(sessions)
    .where(where)
    .returning({ licenceId: sessions.licenceId, userId: sessions.userId });
  return ended ?? null;
}

/**
 * Ends every session of a user at once (deactivation, deletion, password reset), but the one kept;
 * a sign-in waiting for its second factor ends too, as its password may be the one just replaced.
 * What applications hold for the user through the OpenID Provider ends with them (single sign-on
 * sessions, grants, refresh tokens; a browser whose console session is kept signs in to them again
 * without being asked).
 */
export async function endUserSessions(executor: Executor, licenceId: string, userId: string, keepSessionId?: string): Promise<void> {
  await endApplicationAccess(executor, [userId]);
  await executor.delete(signInChallenges).where(and(eq(signInChallenges.licenceId, licenceId), eq(signInChallenges.userId, userId)));
  await executor
    .delete(sessions)
    .where(and(eq(sessions.licenceId, licenceId), eq(sessions.userId, userId), keepSessionId ? ne(sessions.id, keepSessionId) : sql`true`));
}

/** Ends the sessions of many users in one statement, e.g. a licence-wide password reset. */
export async function endSessionsOfUsers(executor: Executor, licenceId: string, userIds: readonly string[], keepSessionId?: string): Promise<void> {
  if (userIds.length === 0) return;
  await endApplicationAccess(executor, userIds);
  await executor.delete(signInChallenges).where(and(eq(signInChallenges.licenceId, licenceId), inArray(signInChallenges.userId, [...userIds])));
  await executor
    .delete(sessions)
    .where(and(eq(sessions.licenceId, licenceId), inArray(sessions.userId, [...userIds]), keepSessionId ? ne(sessions.id, keepSessionId) : sql`true`));
}
