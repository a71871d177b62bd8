import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths } from '../../src/core/password-renewal.ts';
import { createPasswordRenewalService } from '../../src/features/password-renewal/service.ts';
import { clientSecretIn, configurationId, createLicence, linkToken, newUser, signIn, signInWithPassword, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';
import type { HttpClient } from '../support/http.ts';

// A licence may ask for a new password every N months: past the date, a sign-in opens a session
// that serves only the change; a reminder goes out once, some days before; a new password must
// differ from the last five. The server's clock is the test's.

let test: TestApp;
let now: Date;
const later = (days: number) => {
  now = new Date(now.getTime() + days * 86_400_000);
};
const moveTo = (at: Date) => {
  now = at;
};
const DAY = 86_400_000;
const renewal = () => createPasswordRenewalService(test.app.context);

beforeAll(async () => {
  test = await startTestApp();
  now = new Date('2026-01-05T09:00:00Z');
  (test.app.context as { now: () => Date }).now = () => now;
});
afterAll(() => test.close());

const setPolicy = async (fixture: LicenceFixture, body: Record<string, unknown>) => fixture.adminClient.put('/api/v1/licence/password-renewal', body);

/** A user of the licence with a password chosen now; answers their signed-in client. */
async function person(fixture: LicenceFixture, overrides: Record<string, unknown> = {}) {
  const input = newUser(fixture, overrides);
  const created = await fixture.adminClient.post('/api/v1/users', input);
  expect(created.status).toBe(201);
  return { ...input, id: created.body.id as string, client: await signIn(test, fixture.code, input) };
}

const changePassword = (client: HttpClient, currentPassword: string, newPassword: string) => client.put('/api/v1/me/password', { currentPassword, newPassword });

describe('the renewal policy', () => {
  let fixture: LicenceFixture;
  beforeAll(async () => {
    fixture = await createLicence(test);
  });

  it('is off by default, and names the bad field of a refused change, leaving the policy as it was', async () => {
    expect((await fixture.adminClient.get('/api/v1/licence/password-renewal')).body).toEqual({ months: null, reminderDays: 7, apiSecretMaxAgeDays: null });
    for (const [body, field] of [
      [{ months: 0, reminderDays: 7 }, 'months'],
      [{ months: 25, reminderDays: 7 }, 'months'],
      [{ months: 3, reminderDays: 0 }, 'reminderDays'],
      [{ months: 3, reminderDays: 61 }, 'reminderDays'],
      [{ months: 3, reminderDays: 7, apiSecretMaxAgeDays: 29 }, 'apiSecretMaxAgeDays'],
    ] as const) {
      const refused = await setPolicy(fixture, body);
      expect(refused.status, JSON.stringify(body)).toBe(422);
      expect(refused.body.errors.map((error: { field: string }) => error.field)).toEqual([field]);
    }
    expect((await fixture.adminClient.get('/api/v1/licence/password-renewal')).body).toEqual({ months: null, reminderDays: 7, apiSecretMaxAgeDays: null });
  });

  it('is changed by admins only, and each change is in the audit trail, before → after', async () => {
    const user = await person(fixture);
    expect((await user.client.get('/api/v1/licence/password-renewal')).status).toBe(403);
    expect((await user.client.put('/api/v1/licence/password-renewal', { months: 1, reminderDays: 7 })).status).toBe(403);
    const changed = await setPolicy(fixture, { months: 6, reminderDays: 10 });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ months: 6, reminderDays: 10, apiSecretMaxAgeDays: null });
    const events = (await fixture.adminClient.get('/api/v1/audit-events?action=licence.update')).body.items;
    expect(events[0]).toMatchObject({
      action: 'licence.update',
      actor: { kind: 'user', name: 'admin' },
      before: { passwordRenewalMonths: null, passwordRenewalReminderDays: 7 },
      after: { passwordRenewalMonths: 6, passwordRenewalReminderDays: 10 },
    });
  });
});

describe('a password past the renewal period', () => {
  it('holds the next sign-in to changing it, then the session serves everything', async () => {
    const fixture = await createLicence(test);
    expect((await setPolicy(fixture, { months: 3, reminderDays: 7 })).status).toBe(200);
    const user = await person(fixture);
    const due = addMonths(now, 3);
    moveTo(new Date(due.getTime() - DAY));
    const early = await signInWithPassword(test, fixture.code, user.login);
    expect((await early.get('/api/v1/me')).body.passwordChangeRequired).toBe(false);
    moveTo(new Date(due.getTime() + 60_000));

    const signedIn = await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: user.login, password: TEST_PASSWORD });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.passwordChangeRequired).toBe(true);
    const held = await signInWithPassword(test, fixture.code, user.login);
    const refused = await held.get('/api/v1/me/permissions');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('password_change_required');
    expect((await held.post('/api/v1/authorize', { permission: 'reporting' })).body.code).toBe('password_change_required');
    // What the change page needs still answers; a reload stays on it.
    expect((await held.get('/api/v1/me')).status).toBe(200);
    expect((await held.get('/api/v1/auth/session')).body).toMatchObject({ status: 'ok', user: { passwordChangeRequired: true } });

    expect((await changePassword(held, TEST_PASSWORD, 'a brand new passphrase 1')).status).toBe(204);
    expect((await held.get('/api/v1/me/permissions')).status).toBe(200);
    expect((await held.get('/api/v1/auth/session')).body.user.passwordChangeRequired).toBe(false);
    const next = await test.anonymous().post('/api/v1/auth/login', { licence: fixture.code, login: user.login, password: 'a brand new passphrase 1' });
    expect(next.body.user.passwordChangeRequired).toBe(false);
    // Signing out needs no change first.
    const other = await signInWithPassword(test, fixture.code, user.login, 'a brand new passphrase 1');
    expect((await other.post('/api/v1/auth/logout')).status).toBe(204);
  });

  it('never holds internal accounts, nor users of a licence with renewal off', async () => {
    const fixture = await createLicence(test);
    const off = await createLicence(test);
    expect((await setPolicy(fixture, { months: 1, reminderDays: 7 })).status).toBe(200);
    const teamInput = newUser(fixture, { configurationId: configurationId(fixture, 'team') });
    expect((await test.operator.post(`/operator/v1/licences/${fixture.code}/users`, teamInput)).status).toBe(201);
    await signIn(test, fixture.code, teamInput);
    const offUser = await person(off);
    later(400);
    for (const { code, login } of [
      { code: fixture.code, login: teamInput.login },
      { code: off.code, login: offUser.login },
    ]) {
      const client = await signInWithPassword(test, code, login);
      expect((await client.get('/api/v1/me')).body.passwordChangeRequired).toBe(false);
      expect((await client.get('/api/v1/me/permissions')).status).toBe(200);
    }
  });
});

describe('the reminder', () => {
  it('goes out once, some days before the date, in the user’s language', async () => {
    const fixture = await createLicence(test);
    expect((await setPolicy(fixture, { months: 2, reminderDays: 10 })).status).toBe(200);
    const english = await person(fixture);
    const french = await person(fixture, { language: 'fr' });
    const remindFrom = new Date(addMonths(now, 2).getTime() - 10 * DAY);
    const reminders = async (email: string) => (await test.messagesTo(email)).filter((message) => /renewal|renouveler/.test(message.subject ?? ''));

    moveTo(new Date(remindFrom.getTime() - 3_600_000));
    await renewal().sendReminders();
    expect(await reminders(english.email)).toHaveLength(0);
    moveTo(new Date(remindFrom.getTime() + 3_600_000));
    const first = await renewal().sendReminders();
    const second = await renewal().sendReminders();
    expect(first).toMatchObject({ ran: true });
    expect(second).toMatchObject({ ran: true, passwords: 0 });
    const sent = await reminders(english.email);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toContain('due for renewal by');
    expect(sent[0]!.text).toContain(english.login);
    const inFrench = await reminders(french.email);
    expect(inFrench).toHaveLength(1);
    expect(inFrench[0]!.subject).toContain('à renouveler avant le');

    // A new password starts a new period, with its own reminder.
    later(1);
    const again = await signInWithPassword(test, fixture.code, english.login);
    expect((await changePassword(again, TEST_PASSWORD, 'the second passphrase')).status).toBe(204);
    later(55);
    await renewal().sendReminders();
    await renewal().sendReminders();
    expect(await reminders(english.email)).toHaveLength(2);
  });

  it('flags in the users list who is due soon or past the date', async () => {
    const fixture = await createLicence(test);
    expect((await setPolicy(fixture, { months: 1, reminderDays: 7 })).status).toBe(200);
    const user = await person(fixture);
    const due = addMonths(now, 1);
    const listed = async (admin: HttpClient) => ((await admin.get('/api/v1/users')).body.items as { id: string; passwordDueAt: string | null }[]).find((item) => item.id === user.id);
    expect((await listed(fixture.adminClient))?.passwordDueAt).toBeNull();
    later(25);
    // The admin's own password is as old: renewed before the list is read.
    const admin = await signInWithPassword(test, fixture.code, 'admin');
    expect((await changePassword(admin, TEST_PASSWORD, 'a renewed passphrase for ada')).status).toBe(204);
    expect((await listed(admin))?.passwordDueAt).toBe(due.toISOString());
  });
});

describe('a new password', () => {
  it('must differ from the last five; the sixth-oldest is accepted', async () => {
    const fixture = await createLicence(test);
    const user = await person(fixture);
    const passwords = [TEST_PASSWORD, 'second of six passwords', 'third of six passwords', 'fourth of six passwords', 'fifth of six passwords', 'sixth of six passwords'];
    for (let i = 1; i < passwords.length; i++) expect((await changePassword(user.client, passwords[i - 1]!, passwords[i]!)).status).toBe(204);
    const current = passwords.at(-1)!;
    for (const reused of passwords.slice(1)) {
      const refused = await changePassword(user.client, current, reused);
      expect(refused.status, reused).toBe(422);
      expect(refused.body).toMatchObject({ code: 'password_reused', errors: [{ field: 'newPassword', code: 'password_reused' }] });
      expect(refused.body.detail).toMatch(/last 5 passwords/);
    }
    expect((await changePassword(user.client, current, TEST_PASSWORD)).status).toBe(204);
  });

  it('set from a reset link is checked the same way', async () => {
    const fixture = await createLicence(test);
    const user = await person(fixture);
    expect((await fixture.adminClient.post(`/api/v1/users/${user.id}/password-reset`, { currentPassword: TEST_PASSWORD })).status).toBe(202);
    const link = linkToken((await test.messagesTo(user.email)).at(-1)!.text);
    const refused = await test.anonymous().post('/api/v1/auth/password-reset/complete', { token: link, password: TEST_PASSWORD });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'password_reused', errors: [{ field: 'password', code: 'password_reused' }] });
    // The link still works for a password not used before.
    expect((await test.anonymous().post('/api/v1/auth/password-reset/complete', { token: link, password: 'never used before here' })).status).toBe(204);
  });
});

describe('API accounts', () => {
  it('are not held; their secret expires after the licence’s maximum age, its holder reminded once before', async () => {
    // The provider dates its access tokens by the real clock: this journey starts from it.
    moveTo(new Date());
    const fixture = await createLicence(test);
    const holderInput = newUser(fixture, { configurationId: configurationId(fixture, 'transfer-box'), language: 'fr' });
    const holderId = (await fixture.adminClient.post('/api/v1/users', holderInput)).body.id;
    const holder = await signIn(test, fixture.code, holderInput);
    const request = await fixture.adminClient.post('/api/v1/api-account-requests', { login: 'renewal-ws', holder: { userId: holderId } });
    expect(request.status).toBe(201);
    const fulfilled = await test.operator.post(`/operator/v1/api-account-requests/${request.body.id}/fulfil`, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: fixture.groups[0].id });
    expect(fulfilled.status).toBe(200);
    const item = (await holder.get('/api/v1/transfer-box')).body.items[0];
    const secret = clientSecretIn(String((await holder.get(`/api/v1/transfer-box/${item.id}/content`)).body));
    const grant = () =>
      test.anonymous().request('POST', '/api/v1/auth/token', new URLSearchParams({ grant_type: 'client_credentials', client_id: `${fixture.code}/renewal-ws`, client_secret: secret }).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
      });
    expect((await setPolicy(fixture, { months: 1, reminderDays: 7, apiSecretMaxAgeDays: 30 })).status).toBe(200);

    // An API account's token is never held by the renewal of passwords (its licence renews monthly).
    const tokenAnswer = await grant();
    expect(tokenAnswer.status).toBe(200);
    const bearer = test.anonymous().withBearer(tokenAnswer.body.access_token);
    expect((await bearer.post('/api/v1/authorize', { permission: 'reporting' })).status).toBe(200);

    later(22); // the reminder is due 7 days before the 30: from day 23
    await renewal().sendReminders();
    expect((await grant()).status).toBe(200);
    const secretReminders = async () => (await test.messagesTo(holderInput.email)).filter((message) => message.subject?.includes('renewal-ws') && message.subject.includes('expire'));
    expect(await secretReminders()).toHaveLength(0);
    later(2);
    await renewal().sendReminders();
    await renewal().sendReminders();
    const reminded = await secretReminders();
    expect(reminded.map((message) => message.subject)).toHaveLength(1);
    expect(reminded[0]!.subject).toContain('expire le');

    later(7); // 31 days
    const refused = await grant();
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client' });
  });

  it('remind an outside holder in the language of the admin who asked for the account', async () => {
    moveTo(new Date());
    const fixture = await createLicence(test);
    expect((await fixture.adminClient.patch(`/api/v1/users/${fixture.admin.id}`, { language: 'fr' })).status).toBe(200);
    const holder = { firstName: 'Pat', lastName: 'Partner', email: `pat-${fixture.code}@partner.example`, mobile: '+33611220099' };
    const request = await fixture.adminClient.post('/api/v1/api-account-requests', { login: 'partner-ws', holder });
    expect(request.status).toBe(201);
    const fulfilled = await test.operator.post(`/operator/v1/api-account-requests/${request.body.id}/fulfil`, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: fixture.groups[0].id });
    expect(fulfilled.body.delivery).toBe('sms');
    expect((await setPolicy(fixture, { months: 1, reminderDays: 7, apiSecretMaxAgeDays: 30 })).status).toBe(200);
    later(24);
    await renewal().sendReminders();
    const reminded = (await test.messagesTo(holder.email)).filter((message) => message.subject?.includes('partner-ws'));
    expect(reminded.map((message) => message.subject)).toEqual([expect.stringContaining('expire le')]);
  });
});
