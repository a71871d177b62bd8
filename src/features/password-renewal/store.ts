import { and, desc, eq, isNotNull, isNull, lt, lte, notInArray, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { apiAccountRequests, apiAccounts, licences, passwordHistory, sessions, users } from '../../platform/db/schema.ts';

export async function findPolicy(executor: Executor, licenceId: string, options: { lock?: boolean } = {}) {
  const query = executor
    .select({ code: licences.code, months: licences.passwordRenewalMonths, reminderDays: licences.passwordRenewalReminderDays, apiSecretMaxAgeDays: licences.apiSecretMaxAgeDays })
    .from(licences)
    .where(eq(licences.id, licenceId))
    .limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  return row ?? null;
}

export async function updatePolicy(executor: Executor, licenceId: string, policy: { months: number | null; reminderDays: number; apiSecretMaxAgeDays: number | null }, now: Date): Promise<void> {
  await executor
    .update(licences)
    .set({ passwordRenewalMonths: policy.months, passwordRenewalReminderDays: policy.reminderDays, apiSecretMaxAgeDays: policy.apiSecretMaxAgeDays, updatedAt: now })
    .where(eq(licences.id, licenceId));
}

/** What the renewal of one user's password depends on: their account and their licence's policy. */
export async function findRenewalSubject(executor: Executor, licenceId: string, userId: string) {
  const [row] = await executor
    .select({ internal: users.internal, passwordChangedAt: users.passwordChangedAt, months: licences.passwordRenewalMonths, reminderDays: licences.passwordRenewalReminderDays })
    .from(users)
    .innerJoin(licences, eq(licences.id, users.licenceId))
    .where(and(eq(users.licenceId, licenceId), eq(users.id, userId)))
    .limit(1);
  return row ?? null;
}

/** The hashes of a user's newest passwords, newest first. */
export async function recentPasswordHashes(executor: Executor, licenceId: string, userId: string, limit: number): Promise<string[]> {
  const rows = await executor
    .select({ hash: passwordHistory.passwordHash })
    .from(passwordHistory)
    .where(and(eq(passwordHistory.licenceId, licenceId), eq(passwordHistory.userId, userId)))
    .orderBy(desc(passwordHistory.id))
    .limit(limit);
  return rows.map((row) => row.hash);
}

/** Records a new password's hash and forgets all but the newest `keep`. */
export async function rememberPasswordHash(executor: Executor, licenceId: string, userId: string, passwordHash: string, now: Date, keep: number): Promise<void> {
  await executor.insert(passwordHistory).values({ licenceId, userId, passwordHash, createdAt: now });
  const kept = executor
    .select({ id: passwordHistory.id })
    .from(passwordHistory)
    .where(and(eq(passwordHistory.licenceId, licenceId), eq(passwordHistory.userId, userId)))
    .orderBy(desc(passwordHistory.id))
    .limit(keep);
  await executor.delete(passwordHistory).where(and(eq(passwordHistory.licenceId, licenceId), eq(passwordHistory.userId, userId), notInArray(passwordHistory.id, kept)));
}

/** The session is full again: its user chose a new password. */
export async function clearPasswordChangeRequired(executor: Executor, licenceId: string, sessionId: string): Promise<void> {
  await executor.update(sessions).set({ passwordChangeRequired: false }).where(and(eq(sessions.licenceId, licenceId), eq(sessions.id, sessionId)));
}

/**
 * Users who may be due a reminder: active, not internal, with a password and no reminder yet for its
 * current period, in licences with renewal on. A month is at least 28 days, so this keeps everyone
 * whose reminder is due (and a few days more: the caller decides with the exact calendar rule).
 */
export async function reminderCandidates(executor: Executor, now: Date, limit: number, after: [string, string] | null) {
  return executor
    .select({
      licenceId: users.licenceId,
      id: users.id,
      login: users.login,
      firstName: users.firstName,
      email: users.email,
      language: users.language,
      internal: users.internal,
      passwordChangedAt: users.passwordChangedAt,
      reminderSentAt: users.passwordReminderSentAt,
      licenceName: licences.name,
      licenceCode: licences.code,
      months: licences.passwordRenewalMonths,
      reminderDays: licences.passwordRenewalReminderDays,
    })
    .from(users)
    .innerJoin(licences, eq(licences.id, users.licenceId))
    .where(
      and(
        isNotNull(licences.passwordRenewalMonths),
        eq(users.status, 'active'),
        eq(users.internal, false),
        isNotNull(users.passwordHash),
        isNotNull(users.passwordChangedAt),
        lte(users.passwordChangedAt, sql`${now.toISOString()}::timestamptz - make_interval(days => ${licences.passwordRenewalMonths} * 28 - ${licences.passwordRenewalReminderDays})`),
        or(isNull(users.passwordReminderSentAt), lt(users.passwordReminderSentAt, users.passwordChangedAt)),
        after ? sql`(${users.licenceId}, ${users.id}) > (${after[0]}::uuid, ${after[1]}::uuid)` : undefined,
      ),
    )
    .orderBy(users.licenceId, users.id)
    .limit(limit);
}

/**
 * Marks the reminder of the current period sent, unless it was already (another process, or the
 * password changed meanwhile): true when this call marked it, and so must send it.
 */
export async function markReminded(executor: Executor, user: { licenceId: string; id: string; passwordChangedAt: Date }, now: Date): Promise<boolean> {
  const rows = await executor
    .update(users)
    .set({ passwordReminderSentAt: now })
    .where(
      and(
        eq(users.licenceId, user.licenceId),
        eq(users.id, user.id),
        eq(users.passwordChangedAt, user.passwordChangedAt),
        or(isNull(users.passwordReminderSentAt), lt(users.passwordReminderSentAt, users.passwordChangedAt)),
      ),
    )
    .returning({ id: users.id });
  return rows.length === 1;
}

/** API accounts whose secret nears its maximum age and whose holder was not told yet. */
export async function apiSecretReminderCandidates(executor: Executor, now: Date, limit: number, after: [string, string] | null) {
  return executor
    .select({
      licenceId: apiAccounts.licenceId,
      id: apiAccounts.id,
      login: apiAccounts.login,
      holderFirstName: apiAccounts.holderFirstName,
      holderEmail: apiAccounts.holderEmail,
      // The holder's own language; an outside holder's is that of the admin who asked for the account,
      // as when its secret was delivered (features/api-accounts).
      holderLanguage: sql<string | null>`coalesce(${users.language}, ${apiAccountRequests.requestedByLanguage})`,
      secretSetAt: apiAccounts.secretSetAt,
      reminderSentAt: apiAccounts.secretReminderSentAt,
      licenceName: licences.name,
      licenceCode: licences.code,
      maxAgeDays: licences.apiSecretMaxAgeDays,
      reminderDays: licences.passwordRenewalReminderDays,
    })
    .from(apiAccounts)
    .innerJoin(licences, eq(licences.id, apiAccounts.licenceId))
    .leftJoin(users, and(eq(users.licenceId, apiAccounts.licenceId), eq(users.id, apiAccounts.holderUserId)))
    .leftJoin(apiAccountRequests, and(eq(apiAccountRequests.licenceId, apiAccounts.licenceId), eq(apiAccountRequests.id, apiAccounts.requestId)))
    .where(
      and(
        isNotNull(licences.apiSecretMaxAgeDays),
        eq(apiAccounts.status, 'active'),
        lte(apiAccounts.secretSetAt, sql`${now.toISOString()}::timestamptz - make_interval(days => ${licences.apiSecretMaxAgeDays} - ${licences.passwordRenewalReminderDays})`),
        or(isNull(apiAccounts.secretReminderSentAt), lt(apiAccounts.secretReminderSentAt, apiAccounts.secretSetAt)),
        after ? sql`(${apiAccounts.licenceId}, ${apiAccounts.id}) > (${after[0]}::uuid, ${after[1]}::uuid)` : undefined,
      ),
    )
    .orderBy(apiAccounts.licenceId, apiAccounts.id)
    .limit(limit);
}

export async function markSecretReminded(executor: Executor, account: { licenceId: string; id: string; secretSetAt: Date }, now: Date): Promise<boolean> {
  const rows = await executor
    .update(apiAccounts)
    .set({ secretReminderSentAt: now })
    .where(
      and(
        eq(apiAccounts.licenceId, account.licenceId),
        eq(apiAccounts.id, account.id),
        eq(apiAccounts.secretSetAt, account.secretSetAt),
        or(isNull(apiAccounts.secretReminderSentAt), lt(apiAccounts.secretReminderSentAt, apiAccounts.secretSetAt)),
      ),
    )
    .returning({ id: apiAccounts.id });
  return rows.length === 1;
}

/** Whether a session was opened with a password past its renewal and serves only its change. */
export async function sessionHeld(executor: Executor, licenceId: string, sessionId: string): Promise<boolean> {
  const [row] = await executor.select({ held: sessions.passwordChangeRequired }).from(sessions).where(and(eq(sessions.licenceId, licenceId), eq(sessions.id, sessionId))).limit(1);
  return row?.held ?? false;
}

/** When an API account's secret was issued, and the maximum age its licence allows (null: none). */
export async function findApiSecretAge(executor: Executor, licenceId: string, apiAccountId: string) {
  const [row] = await executor
    .select({ licenceId: apiAccounts.licenceId, secretSetAt: apiAccounts.secretSetAt, maxAgeDays: licences.apiSecretMaxAgeDays })
    .from(apiAccounts)
    .innerJoin(licences, eq(licences.id, apiAccounts.licenceId))
    .where(and(eq(apiAccounts.licenceId, licenceId), eq(apiAccounts.id, apiAccountId)))
    .limit(1);
  return row ?? null;
}
