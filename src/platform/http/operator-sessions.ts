import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { FastifyRequest } from 'fastify';
import { deriveToken, hashToken, randomToken, sameSecret } from '../crypto.ts';
import type { Executor } from '../db/client.ts';
import { operatorTokens } from '../db/schema.ts';
import type { OperatorActor } from './actor.ts';
import { Problem } from './problems.ts';
import type { SessionLifetime } from './sessions.ts';

// Operator console sessions (0007_operator_sessions.sql). The operator console trades its token once for
// a session in an HttpOnly, SameSite=Strict cookie scoped to /operator/v1, so no page script ever holds
// a credential; the session token is stored hashed, and the CSRF token is derived from it, as for the
// admin console: unsafe requests carrying the cookie must send X-CSRF-Token.

export const OPERATOR_SESSION_COOKIE = 'gatehouse_operator';
export const OPERATOR_COOKIE_PATH = '/operator/v1';

export const operatorSessions = pgTable('operator_sessions', {
  id: uuid('id').primaryKey(),
  tokenHash: text('token_hash').notNull(),
  operatorTokenId: uuid('operator_token_id'),
  sourceHash: text('source_hash').notNull(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

export const operatorCsrfTokenOf = (sessionToken: string) => deriveToken(sessionToken, 'gatehouse-operator-csrf');

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Opens a session for an operator who just proved their token; answers the cookie's token and its CSRF token. */
export async function createOperatorSession(
  executor: Executor,
  input: { operator: OperatorActor; sourceToken: string; now: Date },
  lifetime: SessionLifetime,
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(input.now.getTime() + lifetime.maxHours * 3_600_000);
  await executor.insert(operatorSessions).values({
    id: randomUUID(),
    tokenHash: hashToken(token),
    operatorTokenId: input.operator.tokenId,
    sourceHash: hashToken(input.sourceToken),
    name: input.operator.name,
    createdAt: input.now,
    lastSeenAt: input.now,
    expiresAt,
  });
  return { token, csrfToken: operatorCsrfTokenOf(token), expiresAt };
}

export async function endOperatorSession(executor: Executor, token: string): Promise<void> {
  await executor.delete(operatorSessions).where(eq(operatorSessions.tokenHash, hashToken(token)));
}

interface LookupOptions {
  bootstrapOperatorToken: string | null;
  lifetime: SessionLifetime;
  now: Date;
}

/**
 * The operator a session cookie opens, or null. Looked up on every request, never cached: a revoked
 * operator token ends its sessions at once, on every process. Unsafe methods need the CSRF header.
 */
export async function operatorFromSessionCookie(executor: Executor, request: FastifyRequest, options: LookupOptions): Promise<OperatorActor | null> {
  const token = request.cookies[OPERATOR_SESSION_COOKIE];
  if (token === undefined || token === '') return null;
  const [row] = await executor
    .select({
      id: operatorSessions.id,
      operatorTokenId: operatorSessions.operatorTokenId,
      sourceHash: operatorSessions.sourceHash,
      name: operatorSessions.name,
      lastSeenAt: operatorSessions.lastSeenAt,
      expiresAt: operatorSessions.expiresAt,
      tokenRevokedAt: operatorTokens.revokedAt,
      tokenId: operatorTokens.id,
      tokenScopes: operatorTokens.scopes,
    })
    .from(operatorSessions)
    .leftJoin(operatorTokens, eq(operatorTokens.id, operatorSessions.operatorTokenId))
    .where(eq(operatorSessions.tokenHash, hashToken(token)))
    .limit(1);
  if (row === undefined) return null;
  const { now, lifetime } = options;
  if (row.expiresAt.getTime() <= now.getTime() || row.lastSeenAt.getTime() <= now.getTime() - lifetime.idleMinutes * 60_000) return null;
  if (row.operatorTokenId !== null) {
    if (row.tokenId === null || row.tokenRevokedAt !== null) return null;
  } else if (options.bootstrapOperatorToken === null || !sameSecret(row.sourceHash, hashToken(options.bootstrapOperatorToken))) {
    // A bootstrap session lasts only while the environment still holds the token it came from.
    return null;
  }
  if (UNSAFE_METHODS.has(request.method)) {
    const presented = request.headers['x-csrf-token'];
    if (typeof presented !== 'string' || !sameSecret(presented, operatorCsrfTokenOf(token))) throw new Problem('csrf_failed');
  }
  if (now.getTime() - row.lastSeenAt.getTime() >= 60_000) {
    // Kept alive without holding the answer; a failed write only shortens the idle time.
    executor
      .update(operatorSessions)
      .set({ lastSeenAt: now })
      .where(eq(operatorSessions.id, row.id))
      .catch((error: unknown) => request.log.warn({ err: error }, 'operator session activity not recorded'));
  }
  // A session holds its token's scopes; a bootstrap session, like the bootstrap token, every right.
  return { kind: 'operator', tokenId: row.operatorTokenId, name: row.name, scopes: row.tokenScopes ?? ['operator'] };
}
