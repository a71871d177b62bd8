import { eq, inArray, lt, sql } from 'drizzle-orm';
import { hashToken } from './crypto.ts';
import type { Database, Transaction } from './db/client.ts';
import { throttles } from './db/schema.ts';
import { Problem } from './http/problems.ts';

// Failed-attempt counters against guessing (passwords, second-factor codes, API secrets), kept in
// the database so every server process counts the same failures. Past a threshold a key is locked
// for a time that doubles with each further failure up to a ceiling; a lock ends by itself, and the
// failures are forgotten after a quiet period.
//
// An attempt is counted *before* it is checked: counting only once a guess has failed would let a
// burst of parallel requests all pass the check while the first ones are still being verified.
// What turns out well is then forgiven (the account proved itself) or refunded (one success from a
// busy office address must not wipe the failures others made from it).

export interface ThrottlePolicy {
  /** What the counter is about, e.g. 'sign-in-account'; part of the stored key. */
  scope: string;
  /** The failure that first locks the key. */
  threshold: number;
  firstLockSeconds: number;
  maxLockSeconds: number;
  /** Failures are forgotten once this long has passed without a new one (and no lock is on). */
  forgetAfterSeconds: number;
}

export interface ThrottleKey {
  policy: ThrottlePolicy;
  key: string;
}

/** The key of one counted subject; hashed, because subjects are what people typed (see the migration). */
export function throttleKey(policy: ThrottlePolicy, subject: string): ThrottleKey {
  return { policy, key: `${policy.scope}:${hashToken(subject)}` };
}

/** How long a key is locked after its nth failure: nothing below the threshold, then doubling. */
export function lockSeconds(policy: ThrottlePolicy, failures: number): number {
  if (failures < policy.threshold) return 0;
  return Math.min(policy.maxLockSeconds, policy.firstLockSeconds * 2 ** Math.min(failures - policy.threshold, 30));
}

export const tooManyAttempts = (retryAfterSeconds: number) =>
  new Problem('too_many_attempts', `Too many failed attempts: try again in ${retryAfterSeconds} seconds`, { retryAfterSeconds });

/** How many counted attempts between two sweeps of expired rows, per process. */
const SWEEP_EVERY = 200;

export function createThrottle(db: Database, now: () => Date) {
  let untilSweep = SWEEP_EVERY;

  /** Rows of the keys, created when missing, locked for this transaction in a fixed order (no deadlock). */
  const lockRows = async (tx: Transaction, keys: readonly ThrottleKey[], at: Date) => {
    const sorted = [...new Map(keys.map((k) => [k.key, k])).values()].sort((a, b) => a.key.localeCompare(b.key));
    await tx
      .insert(throttles)
      .values(sorted.map((k) => ({ key: k.key, scope: k.policy.scope, failures: 0, updatedAt: at, expiresAt: at })))
      .onConflictDoNothing();
    const rows = await tx
      .select()
      .from(throttles)
      .where(inArray(throttles.key, sorted.map((k) => k.key)))
      .orderBy(throttles.key)
      .for('update');
    const byKey = new Map(rows.map((row) => [row.key, row]));
    return sorted.map((k) => ({ ...k, row: byKey.get(k.key)! }));
  };

  const count = async (keys: readonly ThrottleKey[], refuseWhenLocked: boolean): Promise<void> => {
    if (keys.length === 0) return;
    const at = now();
    await db.transaction(async (tx) => {
      const rows = await lockRows(tx, keys, at);
      if (refuseWhenLocked) {
        const lockedFor = Math.max(0, ...rows.map(({ row }) => (row.lockedUntil === null ? 0 : row.lockedUntil.getTime() - at.getTime())));
        if (lockedFor > 0) throw tooManyAttempts(Math.ceil(lockedFor / 1000));
      }
      for (const { key, policy, row } of rows) {
        const failures = (row.expiresAt.getTime() <= at.getTime() ? 0 : row.failures) + 1;
        const lock = lockSeconds(policy, failures);
        const lockedUntil = lock > 0 ? new Date(at.getTime() + lock * 1000) : null;
        const expiresAt = new Date(Math.max(lockedUntil?.getTime() ?? 0, at.getTime() + policy.forgetAfterSeconds * 1000));
        await tx.update(throttles).set({ failures, lockedUntil, updatedAt: at, expiresAt }).where(eq(throttles.key, key));
      }
    });
    if (--untilSweep <= 0) {
      untilSweep = SWEEP_EVERY;
      await db.delete(throttles).where(lt(throttles.expiresAt, at));
    }
  };

  return {
    /** Counts one attempt on every key before it is made; refuses it (429) while any key is locked. */
    attempt: (keys: readonly ThrottleKey[]) => count(keys, true),

    /** Counts a failure that could not be counted beforehand, e.g. a wrong code under a live challenge. */
    fail: (keys: readonly ThrottleKey[]) => count(keys, false),

    /** Answers 429 while any key is locked, counting nothing. */
    async ensureOpen(keys: readonly ThrottleKey[]): Promise<void> {
      if (keys.length === 0) return;
      const at = now();
      const rows = await db
        .select({ lockedUntil: throttles.lockedUntil })
        .from(throttles)
        .where(inArray(throttles.key, keys.map((k) => k.key)));
      const lockedFor = Math.max(0, ...rows.map((row) => (row.lockedUntil === null ? 0 : row.lockedUntil.getTime() - at.getTime())));
      if (lockedFor > 0) throw tooManyAttempts(Math.ceil(lockedFor / 1000));
    },

    /** Forgets every failure of the keys: the subject proved itself. */
    async forgive(keys: readonly ThrottleKey[]): Promise<void> {
      if (keys.length === 0) return;
      await db.delete(throttles).where(inArray(throttles.key, keys.map((k) => k.key)));
    },

    /** Takes back one counted attempt that turned out well; a lock stays only while the failures left justify one. */
    async refund(keys: readonly ThrottleKey[]): Promise<void> {
      for (const { key, policy } of keys) {
        await db
          .update(throttles)
          .set({
            failures: sql`greatest(${throttles.failures} - 1, 0)`,
            lockedUntil: sql`CASE WHEN ${throttles.failures} - 1 >= ${policy.threshold} THEN ${throttles.lockedUntil} ELSE NULL END`,
          })
          .where(eq(throttles.key, key));
      }
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
