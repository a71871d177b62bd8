// Password renewal: a licence may ask for a new password every N months, with a reminder some days
// before. Pure date arithmetic, shared by the sign-in (is it due?), the reminder job (is it time to
// remind?) and the users list (who is due soon?).

export const RENEWAL_MONTHS = { min: 1, max: 24 } as const;
export const REMINDER_DAYS = { min: 1, max: 60, default: 7 } as const;
export const API_SECRET_MAX_AGE_DAYS = { min: 30, max: 730 } as const;

/** How many passwords a new one must differ from: the current one and the four before it. */
export const PASSWORD_HISTORY_SIZE = 5;

export interface RenewalPolicy {
  /** null: renewal off. */
  months: number | null;
  reminderDays: number;
}

/** Who the policy applies to: people with a password; internal (vendor) accounts never. */
export interface RenewalSubject {
  internal: boolean;
  passwordChangedAt: Date | null;
}

const DAY_MS = 86_400_000;

/**
 * `months` calendar months later, in UTC, at the same time of day; a day the target month lacks
 * becomes its last (31 January + 1 month = 28 or 29 February), as PostgreSQL's intervals do.
 */
export function addMonths(from: Date, months: number): Date {
  const year = from.getUTCFullYear();
  const month = from.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(from.getUTCDate(), lastDay);
  return new Date(Date.UTC(year, month, day, from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds()));
}

/** When the password must be changed, or null when the policy does not apply to this user. */
export function passwordDueAt(policy: RenewalPolicy, subject: RenewalSubject): Date | null {
  if (policy.months === null || subject.internal || subject.passwordChangedAt === null) return null;
  return addMonths(subject.passwordChangedAt, policy.months);
}

/** When the reminder goes out: `reminderDays` before the due date (never before the period starts). */
export function reminderAt(policy: RenewalPolicy, subject: RenewalSubject): Date | null {
  const due = passwordDueAt(policy, subject);
  if (due === null || subject.passwordChangedAt === null) return null;
  return new Date(Math.max(subject.passwordChangedAt.getTime(), due.getTime() - policy.reminderDays * DAY_MS));
}

/** Whether a sign-in now must first change the password. */
export function isPasswordDue(policy: RenewalPolicy, subject: RenewalSubject, now: Date): boolean {
  const due = passwordDueAt(policy, subject);
  return due !== null && due.getTime() <= now.getTime();
}

/** Whether the reminder of the current period is due and not yet sent (it is sent once per period). */
export function isReminderDue(policy: RenewalPolicy, subject: RenewalSubject & { reminderSentAt: Date | null }, now: Date): boolean {
  const at = reminderAt(policy, subject);
  if (at === null || at.getTime() > now.getTime()) return false;
  const changedAt = subject.passwordChangedAt as Date;
  return subject.reminderSentAt === null || subject.reminderSentAt.getTime() < changedAt.getTime();
}

/** Whether the users list should flag the user: within the reminder window, or past the due date. */
export function isDueSoon(policy: RenewalPolicy, subject: RenewalSubject, now: Date): boolean {
  const at = reminderAt(policy, subject);
  return at !== null && at.getTime() <= now.getTime();
}

/** When an API account's secret stops working, or null without a maximum age. */
export function apiSecretExpiresAt(maxAgeDays: number | null, secretSetAt: Date): Date | null {
  return maxAgeDays === null ? null : new Date(secretSetAt.getTime() + maxAgeDays * DAY_MS);
}

/** Whether the holder should be told now that the secret expires soon (once per secret). */
export function isApiSecretReminderDue(maxAgeDays: number | null, reminderDays: number, secret: { setAt: Date; reminderSentAt: Date | null }, now: Date): boolean {
  const expires = apiSecretExpiresAt(maxAgeDays, secret.setAt);
  if (expires === null || expires.getTime() - reminderDays * DAY_MS > now.getTime()) return false;
  return secret.reminderSentAt === null || secret.reminderSentAt.getTime() < secret.setAt.getTime();
}

/** The due date the users list shows: only once within the reminder window or past it. */
export function dueSoonAt(policy: RenewalPolicy, subject: RenewalSubject, now: Date): Date | null {
  return isDueSoon(policy, subject, now) ? passwordDueAt(policy, subject) : null;
}
