import { describe, expect, it } from 'vitest';
import { addMonths, apiSecretExpiresAt, isApiSecretReminderDue, isDueSoon, isPasswordDue, isReminderDue, passwordDueAt, reminderAt } from './password-renewal.ts';

const at = (iso: string) => new Date(iso);
const everyThreeMonths = { months: 3, reminderDays: 7 };
const person = (changed: string | null, internal = false) => ({ internal, passwordChangedAt: changed === null ? null : at(changed) });

describe('calendar months', () => {
  it('keep the day and the time of day', () => {
    expect(addMonths(at('2026-01-15T10:30:00Z'), 3).toISOString()).toBe('2026-04-15T10:30:00.000Z');
    expect(addMonths(at('2026-11-20T00:00:00Z'), 2).toISOString()).toBe('2027-01-20T00:00:00.000Z');
    expect(addMonths(at('2026-03-01T08:00:00Z'), 24).toISOString()).toBe('2028-03-01T08:00:00.000Z');
  });

  it('end on the last day of a shorter month, as PostgreSQL intervals do', () => {
    expect(addMonths(at('2026-01-31T12:00:00Z'), 1).toISOString()).toBe('2026-02-28T12:00:00.000Z');
    expect(addMonths(at('2028-01-31T12:00:00Z'), 1).toISOString()).toBe('2028-02-29T12:00:00.000Z');
    expect(addMonths(at('2026-08-31T12:00:00Z'), 1).toISOString()).toBe('2026-09-30T12:00:00.000Z');
  });
});

describe('the renewal of a password', () => {
  it('is due N months after the password was chosen', () => {
    expect(passwordDueAt(everyThreeMonths, person('2026-01-10T09:00:00Z'))?.toISOString()).toBe('2026-04-10T09:00:00.000Z');
    expect(isPasswordDue(everyThreeMonths, person('2026-01-10T09:00:00Z'), at('2026-04-10T08:59:59Z'))).toBe(false);
    expect(isPasswordDue(everyThreeMonths, person('2026-01-10T09:00:00Z'), at('2026-04-10T09:00:00Z'))).toBe(true);
  });

  it('never applies when the licence has it off, to internal accounts, or before a first password', () => {
    const now = at('2030-01-01T00:00:00Z');
    expect(isPasswordDue({ months: null, reminderDays: 7 }, person('2020-01-01T00:00:00Z'), now)).toBe(false);
    expect(isPasswordDue(everyThreeMonths, person('2020-01-01T00:00:00Z', true), now)).toBe(false);
    expect(isPasswordDue(everyThreeMonths, person(null), now)).toBe(false);
    expect(isDueSoon(everyThreeMonths, person('2020-01-01T00:00:00Z', true), now)).toBe(false);
  });

  it('is reminded reminderDays before the due date', () => {
    expect(reminderAt(everyThreeMonths, person('2026-01-10T09:00:00Z'))?.toISOString()).toBe('2026-04-03T09:00:00.000Z');
    expect(isDueSoon(everyThreeMonths, person('2026-01-10T09:00:00Z'), at('2026-04-03T08:00:00Z'))).toBe(false);
    expect(isDueSoon(everyThreeMonths, person('2026-01-10T09:00:00Z'), at('2026-04-03T09:00:00Z'))).toBe(true);
    expect(isDueSoon(everyThreeMonths, person('2026-01-10T09:00:00Z'), at('2027-01-01T00:00:00Z'))).toBe(true);
  });

  it('is never reminded before the period starts, even with a reminder longer than the period', () => {
    expect(reminderAt({ months: 1, reminderDays: 60 }, person('2026-02-01T00:00:00Z'))?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  it('sends the reminder of a period once: a reminder sent before the last change belongs to the period before', () => {
    const subject = { ...person('2026-01-10T09:00:00Z'), reminderSentAt: null };
    const now = at('2026-04-05T00:00:00Z');
    expect(isReminderDue(everyThreeMonths, subject, now)).toBe(true);
    expect(isReminderDue(everyThreeMonths, { ...subject, reminderSentAt: at('2026-04-04T00:00:00Z') }, now)).toBe(false);
    expect(isReminderDue(everyThreeMonths, { ...subject, reminderSentAt: at('2025-10-04T00:00:00Z') }, now)).toBe(true);
    expect(isReminderDue(everyThreeMonths, subject, at('2026-03-01T00:00:00Z'))).toBe(false);
  });
});

describe('the maximum age of an API secret', () => {
  it('expires the secret maxAgeDays after it was issued, and warns reminderDays before, once', () => {
    const setAt = at('2026-01-01T00:00:00Z');
    expect(apiSecretExpiresAt(90, setAt)?.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(apiSecretExpiresAt(null, setAt)).toBeNull();
    expect(isApiSecretReminderDue(90, 7, { setAt, reminderSentAt: null }, at('2026-03-24T23:59:59Z'))).toBe(false);
    expect(isApiSecretReminderDue(90, 7, { setAt, reminderSentAt: null }, at('2026-03-25T00:00:00Z'))).toBe(true);
    expect(isApiSecretReminderDue(90, 7, { setAt, reminderSentAt: at('2026-03-25T00:00:00Z') }, at('2026-03-26T00:00:00Z'))).toBe(false);
    expect(isApiSecretReminderDue(null, 7, { setAt, reminderSentAt: null }, at('2030-01-01T00:00:00Z'))).toBe(false);
  });
});
