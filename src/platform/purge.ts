import { isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Logger } from './logger.ts';
import type { Database, Transaction } from './db/client.ts';
import { apiTokens, oidcPayloads, outbox, passwordTokens, sessions, signInChallenges, signingKeys, throttles, transferBoxItems } from './db/schema.ts';
import { operatorSessions } from './http/operator-sessions.ts';
import type { Metrics } from './metrics.ts';

/** How long a retired signing key stays published: longer than any token it signed lives. */
export const RETIRED_KEY_SECONDS = 2 * 3600;

// Expired credentials and delivered messages are deleted on a schedule: a row that can no longer
// open anything is only a liability (and delivered outbox rows are what we told people). Every
// process schedules the purge; a transaction-level advisory lock lets one run it at a time, and
// the others skip their turn instead of deleting the same rows again.

/** The advisory lock key of the purge ('gh-purge'), shared by every process of one database. */
export const PURGE_LOCK_KEY = 0x67682d7075726765n;

export const PURGE_KINDS = ['sessions', 'password_links', 'sign_in_challenges', 'api_tokens', 'outbox', 'throttles', 'transfer_box_items', 'operator_sessions', 'oidc_artefacts', 'signing_keys'] as const;
export type PurgeKind = (typeof PURGE_KINDS)[number];

export type PurgeOutcome = { ran: false } | { ran: true; removed: Record<PurgeKind, number> };

export interface PurgeOptions {
  db: Database;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
  /** A session unused this long is over, even before its absolute expiry. */
  sessionIdleMinutes: number;
}

const count = (rows: unknown[]) => rows.length;

async function removeExpired(tx: Transaction, now: Date, idleSince: Date): Promise<Record<PurgeKind, number>> {
  // One statement after another: they share the transaction's connection.
  return {
    sessions: count(await tx.delete(sessions).where(or(lte(sessions.expiresAt, now), lt(sessions.lastSeenAt, idleSince))).returning({ id: sessions.id })),
    // A used link is spent: it can never be used again.
    password_links: count(await tx.delete(passwordTokens).where(or(lte(passwordTokens.expiresAt, now), isNotNull(passwordTokens.usedAt))).returning({ id: passwordTokens.id })),
    sign_in_challenges: count(await tx.delete(signInChallenges).where(or(lte(signInChallenges.expiresAt, now), isNotNull(signInChallenges.usedAt))).returning({ id: signInChallenges.id })),
    api_tokens: count(await tx.delete(apiTokens).where(lte(apiTokens.expiresAt, now)).returning({ id: apiTokens.id })),
    outbox: count(await tx.delete(outbox).where(isNotNull(outbox.sentAt)).returning({ id: outbox.id })),
    throttles: count(await tx.delete(throttles).where(lte(throttles.expiresAt, now)).returning({ key: throttles.key })),
    transfer_box_items: count(await tx.delete(transferBoxItems).where(lte(transferBoxItems.expiresAt, now)).returning({ id: transferBoxItems.id })),
    operator_sessions: count(
      await tx.delete(operatorSessions).where(or(lte(operatorSessions.expiresAt, now), lt(operatorSessions.lastSeenAt, idleSince))).returning({ id: operatorSessions.id }),
    ),
    // The OpenID Provider's codes, sessions, grants and tokens past their lifetime.
    oidc_artefacts: count(await tx.delete(oidcPayloads).where(lte(oidcPayloads.expiresAt, now)).returning({ id: oidcPayloads.id })),
    // Retired signing keys stay published while tokens they signed may be presented (two hours).
    signing_keys: count(await tx.delete(signingKeys).where(lt(signingKeys.retiredAt, new Date(now.getTime() - RETIRED_KEY_SECONDS * 1000))).returning({ kid: signingKeys.kid })),
  };
}

export function createPurge(options: PurgeOptions) {
  return {
    /** Deletes what has expired, unless another process is doing it right now. */
    async run(): Promise<PurgeOutcome> {
      const now = options.now();
      const idleSince = new Date(now.getTime() - options.sessionIdleMinutes * 60_000);
      const outcome = await options.db.transaction(async (tx): Promise<PurgeOutcome> => {
        // Both drivers answer { rows }; the key is a literal, as a bigint parameter types differently on each.
        const locked = (await tx.execute(sql`SELECT pg_try_advisory_xact_lock(${sql.raw(PURGE_LOCK_KEY.toString())}) AS locked`)) as unknown as { rows: { locked: boolean }[] };
        if (locked.rows[0]?.locked !== true) return { ran: false };
        return { ran: true, removed: await removeExpired(tx, now, idleSince) };
      });
      if (outcome.ran) {
        for (const kind of PURGE_KINDS) options.metrics.purgedRows.inc({ kind }, outcome.removed[kind]);
        options.logger.debug({ removed: outcome.removed }, 'expired rows purged');
      }
      return outcome;
    },
  };
}

export type Purge = ReturnType<typeof createPurge>;
