import { sql } from 'drizzle-orm';
import { apiSecretExpiresAt, isApiSecretReminderDue, isPasswordDue, isReminderDue, PASSWORD_HISTORY_SIZE, passwordDueAt, type RenewalPolicy, type RenewalSubject } from '../../core/password-renewal.ts';
import { changedFields, recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { verifyPassword } from '../../platform/crypto.ts';
import type { Executor, Transaction } from '../../platform/db/client.ts';
import { ensure, notFound, Problem } from '../../platform/http/problems.ts';
import { enqueueMessages } from '../../platform/messaging/outbox.ts';
import { apiSecretReminderMessage, passwordReminderMessage } from './messages.ts';
import * as store from './store.ts';

// Password renewal: the licence's policy (renewal every N months, a reminder some days before, a
// maximum age for API secrets), the check of a new password against the last five, the hold put on a
// session opened with an expired password, and the reminders sent ahead of the date.

export interface RenewalSettings {
  months: number | null;
  reminderDays: number;
  apiSecretMaxAgeDays: number | null;
}

/** The advisory lock key of the reminder run ('gh-renew'), shared by every process of one database. */
export const RENEWAL_LOCK_KEY = 0x67682d72656e6577n;
const BATCH = 500;

// ---- Used by sign-in and by every way a user sets their own password, in the caller's transaction.

/**
 * Whether a sign-in now must open a session limited to changing the password. `known`, the user's
 * password date and the licence's policy when the caller has just read them (a sign-in reads them
 * with the user), spares reading them again.
 */
export async function passwordChangeDue(executor: Executor, licenceId: string, userId: string, now: Date, known?: RenewalPolicy & RenewalSubject): Promise<boolean> {
  const subject = known ?? (await store.findRenewalSubject(executor, licenceId, userId));
  return subject !== null && isPasswordDue(subject, subject, now);
}

/**
 * A new password must differ from the current one and the four before it (the product's promise);
 * checked against their argon2id hashes, the only thing kept of them.
 */
export async function ensurePasswordNotReused(executor: Executor, user: { licenceId: string; id: string; passwordHash: string | null }, password: string, field: string): Promise<void> {
  const hashes = await store.recentPasswordHashes(executor, user.licenceId, user.id, PASSWORD_HISTORY_SIZE);
  if (user.passwordHash !== null && !hashes.includes(user.passwordHash)) hashes.unshift(user.passwordHash);
  for (const hash of hashes.slice(0, PASSWORD_HISTORY_SIZE)) {
    if (await verifyPassword(hash, password)) {
      const message = `must differ from your last ${PASSWORD_HISTORY_SIZE} passwords`;
      throw new Problem(
        'password_reused',
        {
          en: `The new password ${message}: choose one you have not used recently`,
          fr: `Le nouveau mot de passe doit être différent de vos ${PASSWORD_HISTORY_SIZE} derniers : choisissez-en un que vous n'avez pas utilisé récemment`,
        },
        { errors: [{ field, code: 'password_reused', message }] },
      );
    }
  }
}

/** Keeps the new password's hash among the last five; the caller sets it on the user (and its date). */
export function rememberPassword(executor: Executor, user: { licenceId: string; id: string }, passwordHash: string, now: Date): Promise<void> {
  return store.rememberPasswordHash(executor, user.licenceId, user.id, passwordHash, now, PASSWORD_HISTORY_SIZE);
}

/** Whether a session serves only the change of its user's password (the console holds them on that page). */
export const sessionHeldForPasswordChange = (executor: Executor, licenceId: string, sessionId: string) => store.sessionHeld(executor, licenceId, sessionId);

/** The session the new password was chosen from serves everything again. */
export const releaseSession = (executor: Executor, licenceId: string, sessionId: string) => store.clearPasswordChangeRequired(executor, licenceId, sessionId);

/** Whether an API account's secret is past its licence's maximum age, read afresh (a client cache must not keep an expired secret working). */
export async function apiAccountSecretExpired(executor: Executor, licenceId: string, apiAccountId: string, now: Date): Promise<boolean> {
  const age = await store.findApiSecretAge(executor, licenceId, apiAccountId);
  const expires = age === null ? null : apiSecretExpiresAt(age.maxAgeDays, age.secretSetAt);
  return expires !== null && expires.getTime() <= now.getTime();
}

export function createPasswordRenewalService(ctx: AppContext) {
  const settingsOf = async (executor: Executor, licenceId: string, lock = false): Promise<RenewalSettings> => {
    const policy = await store.findPolicy(executor, licenceId, { lock });
    ensure(policy !== null, notFound('licence'));
    return { months: policy.months, reminderDays: policy.reminderDays, apiSecretMaxAgeDays: policy.apiSecretMaxAgeDays };
  };

  /** Reminds, once per period, each user whose password is due within the licence's reminder days. */
  const remindPasswords = async (tx: Transaction, now: Date): Promise<number> => {
    let sent = 0;
    let after: [string, string] | null = null;
    for (;;) {
      const candidates = await store.reminderCandidates(tx, now, BATCH, after);
      for (const user of candidates) {
        const subject = { internal: user.internal, passwordChangedAt: user.passwordChangedAt, reminderSentAt: user.reminderSentAt };
        const policy = { months: user.months, reminderDays: user.reminderDays };
        if (user.passwordChangedAt === null || !isReminderDue(policy, subject, now)) continue;
        // The marker and the message commit together: a message is queued once per period.
        if (!(await store.markReminded(tx, { licenceId: user.licenceId, id: user.id, passwordChangedAt: user.passwordChangedAt }, now))) continue;
        const dueAt = passwordDueAt(policy, subject) as Date;
        const message = passwordReminderMessage(user.language, { firstName: user.firstName, login: user.login, licenceName: user.licenceName, dueAt, accountUrl: `${ctx.config.publicUrl}/` });
        await enqueueMessages(tx, [{ licenceId: user.licenceId, channel: 'email', to: user.email, ...message }]);
        sent += 1;
      }
      const last = candidates.at(-1);
      if (candidates.length < BATCH || last === undefined) return sent;
      after = [last.licenceId, last.id];
    }
  };

  /** Tells each API account's holder, once per secret, that the secret nears the licence's maximum age. */
  const remindApiSecrets = async (tx: Transaction, now: Date): Promise<number> => {
    let sent = 0;
    let after: [string, string] | null = null;
    for (;;) {
      const candidates = await store.apiSecretReminderCandidates(tx, now, BATCH, after);
      for (const account of candidates) {
        if (!isApiSecretReminderDue(account.maxAgeDays, account.reminderDays, { setAt: account.secretSetAt, reminderSentAt: account.reminderSentAt }, now)) continue;
        if (!(await store.markSecretReminded(tx, account, now))) continue;
        const expiresAt = apiSecretExpiresAt(account.maxAgeDays, account.secretSetAt) as Date;
        const message = apiSecretReminderMessage(account.holderLanguage, { firstName: account.holderFirstName, login: account.login, licenceName: account.licenceName, expiresAt });
        await enqueueMessages(tx, [{ licenceId: account.licenceId, channel: 'email', to: account.holderEmail, ...message }]);
        sent += 1;
      }
      const last = candidates.at(-1);
      if (candidates.length < BATCH || last === undefined) return sent;
      after = [last.licenceId, last.id];
    }
  };

  return {
    get: (licenceId: string) => settingsOf(ctx.db, licenceId),

    /** Changes the policy; audited as a change of the licence, before → after. */
    async update(licenceId: string, input: { months: number | null; reminderDays: number; apiSecretMaxAgeDays?: number | null }, actor: AuditActor): Promise<RenewalSettings> {
      return ctx.transaction(async (tx) => {
        const before = await settingsOf(tx, licenceId, true);
        const after: RenewalSettings = { months: input.months, reminderDays: input.reminderDays, apiSecretMaxAgeDays: input.apiSecretMaxAgeDays === undefined ? before.apiSecretMaxAgeDays : input.apiSecretMaxAgeDays };
        const now = ctx.now();
        await store.updatePolicy(tx, licenceId, after, now);
        const named = (settings: RenewalSettings) => ({ passwordRenewalMonths: settings.months, passwordRenewalReminderDays: settings.reminderDays, apiSecretMaxAgeDays: settings.apiSecretMaxAgeDays });
        const diff = changedFields(named(before), named(after));
        if (Object.keys(diff.after).length > 0) {
          const { code } = (await store.findPolicy(tx, licenceId)) ?? { code: null };
          await recordAudit(tx, actor, { licenceId, action: 'licence.update', target: { kind: 'licence', id: licenceId, name: code }, ...diff }, now);
        }
        return after;
      });
    },

    /**
     * Sends the reminders that are due, unless another process is doing it right now (a
     * transaction-level advisory lock, as the purge does). Idempotent: each reminder's marker is
     * written in the transaction that queues it.
     */
    async sendReminders(): Promise<{ ran: boolean; passwords: number; apiSecrets: number }> {
      const now = ctx.now();
      const outcome = await ctx.db.transaction(async (tx) => {
        const locked = (await tx.execute(sql`SELECT pg_try_advisory_xact_lock(${sql.raw(RENEWAL_LOCK_KEY.toString())}) AS locked`)) as unknown as { rows: { locked: boolean }[] };
        if (locked.rows[0]?.locked !== true) return { ran: false, passwords: 0, apiSecrets: 0 };
        return { ran: true, passwords: await remindPasswords(tx, now), apiSecrets: await remindApiSecrets(tx, now) };
      });
      if (outcome.passwords + outcome.apiSecrets > 0) ctx.deliverSoon();
      return outcome;
    },
  };
}

export type PasswordRenewalService = ReturnType<typeof createPasswordRenewalService>;
