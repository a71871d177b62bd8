import { inArray, lt, sql, type SQL } from 'drizzle-orm';
import { hashToken } from './crypto.ts';
import type { Database } from './db/client.ts';
import { PreparedStatements, value, type StatementParts } from './db/prepared.ts';
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
  new Problem('too_many_attempts', { en: `Too many failed attempts: try again in ${retryAfterSeconds} seconds`, fr: `Trop de tentatives échouées : réessayez dans ${retryAfterSeconds} secondes` }, { retryAfterSeconds });

/** How many counted attempts between two sweeps of expired rows, per process. */
const SWEEP_EVERY = 200;

/** Settling statements, one per shape (see settle). */
const settling = new PreparedStatements<Record<string, unknown>>();

/** Counting statements, one per shape of keys (see countInOneStatement). */
const counting = new PreparedStatements<Record<string, unknown>, { locked_until: Date | string | null }>();

/**
 * The text that counts an attempt on keys of these policies, in this order; the keys, the time and
 * each key's first lock and expiry are bound when it runs (`key0`, `at`, `until0`, `expires0`…).
 */
function countingStatement(policies: readonly ThrottlePolicy[], refuseWhenLocked: boolean): SQL {
  const at = value('at');
  const keyAt = (i: number) => value(`key${i}`);
  const names = sql.join(policies.map((_, i) => sql`${keyAt(i)}`), sql`, `);
  // Each key's policy, for the row being counted.
  const perKey = (of: (policy: ThrottlePolicy) => number) =>
    sql`(CASE t.key ${sql.join(policies.map((p, i) => sql`WHEN ${keyAt(i)} THEN ${sql.raw(String(Number(of(p))))}::float8`), sql` `)} END)`;
  const failures = sql`(CASE WHEN t.expires_at <= ${at} THEN 1 ELSE t.failures + 1 END)`;
  const lockSecondsSql = sql`least(${perKey((p) => p.maxLockSeconds)}, ${perKey((p) => p.firstLockSeconds)} * power(2, least(${failures} - ${perKey((p) => p.threshold)}, 30)))`;
  const lockedUntil = sql`(CASE WHEN ${failures} >= ${perKey((p) => p.threshold)} THEN ${at}::timestamptz + make_interval(secs => ${lockSecondsSql}) END)`;
  const forgetAt = sql`${at}::timestamptz + make_interval(secs => ${perKey((p) => p.forgetAfterSeconds)})`;
  const firstRows = sql.join(
    policies.map((_, i) => sql`(${keyAt(i)}, ${value(`scope${i}`)}, 1, ${value(`until${i}`)}::timestamptz, ${at}::timestamptz, ${value(`expires${i}`)}::timestamptz)`),
    sql`, `,
  );
  return sql`
    WITH held AS (SELECT key, locked_until FROM throttles WHERE key IN (${names}) ORDER BY key FOR UPDATE),
    counted AS (
      INSERT INTO throttles AS t (key, scope, failures, locked_until, updated_at, expires_at)
      SELECT * FROM (VALUES ${firstRows}) AS v (key, scope, failures, locked_until, updated_at, expires_at)
      WHERE ${refuseWhenLocked ? sql`NOT EXISTS (SELECT 1 FROM held WHERE locked_until > ${at})` : sql`true`}
      ORDER BY 1
      ON CONFLICT (key) DO UPDATE SET
        failures = ${failures},
        locked_until = ${lockedUntil},
        updated_at = ${at},
        expires_at = greatest(${lockedUntil}, ${forgetAt})
      RETURNING t.key
    )
    SELECT (SELECT max(locked_until) FROM held WHERE locked_until > ${at}) AS locked_until, (SELECT count(*) FROM counted) AS counted`;
}

export function createThrottle(db: Database, now: () => Date) {
  let untilSweep = SWEEP_EVERY;

  /**
   * Counts one attempt on each key in one statement (one round trip, no transaction to open): the
   * keys' rows are locked in a fixed order (no deadlock) and read at their latest version, so parallel
   * attempts queue as they would behind SELECT ... FOR UPDATE. When `refuseWhenLocked` and a key is
   * locked, nothing is counted and the lock is answered.
   */
  const countInOneStatement = async (keys: readonly ThrottleKey[], refuseWhenLocked: boolean, at: Date): Promise<Date | null> => {
    const sorted = [...new Map(keys.map((k) => [k.key, k])).values()].sort((a, b) => a.key.localeCompare(b.key));
    // One statement per shape: the keys' policies in their order (their numbers are part of the text).
    const shape = JSON.stringify([refuseWhenLocked, sorted.map((k) => k.policy)]);
    const statement = counting.of(shape, () => countingStatement(sorted.map((k) => k.policy), refuseWhenLocked));
    const values: Record<string, unknown> = { at };
    sorted.forEach((k, i) => {
      const lock = lockSeconds(k.policy, 1);
      const until = lock > 0 ? new Date(at.getTime() + lock * 1000) : null;
      values[`key${i}`] = k.key;
      values[`scope${i}`] = k.policy.scope;
      values[`until${i}`] = until;
      values[`expires${i}`] = new Date(Math.max(until?.getTime() ?? 0, at.getTime() + k.policy.forgetAfterSeconds * 1000));
    });
    const [row] = await statement.run(db, values);
    const lockedUntilValue = row?.locked_until ?? null;
    return lockedUntilValue === null ? null : new Date(lockedUntilValue);
  };

  const count = async (keys: readonly ThrottleKey[], refuseWhenLocked: boolean): Promise<void> => {
    if (keys.length === 0) return;
    const at = now();
    const lockedUntil = await countInOneStatement(keys, refuseWhenLocked, at);
    if (refuseWhenLocked && lockedUntil !== null) throw tooManyAttempts(Math.ceil((lockedUntil.getTime() - at.getTime()) / 1000));
    if (--untilSweep <= 0) {
      untilSweep = SWEEP_EVERY;
      await db.delete(throttles).where(lt(throttles.expiresAt, at));
    }
  };

  /**
   * Refunds one attempt on some keys and forgives every failure of others, as the data-modifying
   * parts of a WITH clause (PostgreSQL runs them whether or not the statement reads them): `settle`
   * runs them alone, a caller with a statement of its own to run may run them in it (one round trip).
   */
  const settlement = ({ refund = [], forgive = [] }: { refund?: readonly ThrottleKey[]; forgive?: readonly ThrottleKey[] }): StatementParts => {
    const parts: SQL[] = [];
    const values: Record<string, unknown> = {};
    const bound = (prefix: string, keys: readonly ThrottleKey[]) =>
      keys.map((k, i) => {
        values[`${prefix}${i}`] = k.key;
        return value(`${prefix}${i}`);
      });
    if (forgive.length > 0) parts.push(sql`throttle_forgiven AS (DELETE FROM throttles WHERE key IN (${sql.join(bound('throttle_forgive', forgive), sql`, `)}))`);
    if (refund.length > 0) {
      const names = bound('throttle_refund', refund);
      const threshold = sql`(CASE key ${sql.join(refund.map((k, i) => sql`WHEN ${names[i]} THEN ${sql.raw(String(Number(k.policy.threshold)))}::integer`), sql` `)} END)`;
      parts.push(sql`throttle_refunded AS (UPDATE throttles SET
        failures = greatest(failures - 1, 0),
        locked_until = CASE WHEN failures - 1 >= ${threshold} THEN locked_until END
      WHERE key IN (${sql.join(names, sql`, `)}))`);
    }
    return { shape: JSON.stringify([forgive.length, refund.map((k) => k.policy.threshold)]), parts, values };
  };

  /** Refunds one attempt on some keys and forgives every failure of others, in one statement. */
  const settle = async (keys: { refund?: readonly ThrottleKey[]; forgive?: readonly ThrottleKey[] }): Promise<void> => {
    const { shape, parts, values } = settlement(keys);
    if (parts.length === 0) return;
    await settling.of(shape, () => sql`WITH ${sql.join(parts, sql`, `)} SELECT 1`).run(db, values);
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
    forgive: (keys: readonly ThrottleKey[]) => settle({ forgive: keys }),

    /** Takes back one counted attempt that turned out well; a lock stays only while the failures left justify one. */
    refund: (keys: readonly ThrottleKey[]) => settle({ refund: keys }),

    /** Both at once, in one statement: what a successful sign-in does. */
    settle,

    /** `settle` as parts of a WITH clause, for the caller's own statement. */
    settlement,
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
