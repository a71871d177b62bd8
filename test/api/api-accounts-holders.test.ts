import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSecretIn, configurationId, createLicence, newUser, signIn, startTestApp, unique, type LicenceFixture, type TestApp } from '../support/app.ts';
import type { HttpClient } from '../support/http.ts';

// An API account's secret reaches the holder the request names and nobody else: a console holder is
// named by user id (e-mails are not unique), an ambiguous e-mail is refused, the Transfer Box is used
// only when the holder can open it (otherwise SMS), and the form and the operator know which before
// anything is sent.

let test: TestApp;

beforeAll(async () => {
  test = await startTestApp();
});
afterAll(() => test.close());

interface ConsoleUser {
  id: string;
  login: string;
  email: string;
  client: HttpClient;
}

/** A user of the licence with the given standard configuration, signed in. */
async function consoleUser(fixture: LicenceFixture, configuration: string, overrides: Record<string, unknown> = {}): Promise<ConsoleUser> {
  const input = newUser(fixture, { configurationId: configurationId(fixture, configuration), ...overrides });
  const created = await fixture.adminClient.post('/api/v1/users', input);
  expect(created.status).toBe(201);
  return { id: created.body.id, login: input.login, email: input.email, client: await signIn(test, fixture.code, input) };
}

const fulfilBody = (fixture: LicenceFixture) => ({ configurationId: configurationId(fixture, 'reviewer'), entityGroupId: fixture.groups[0].id });

async function request(fixture: LicenceFixture, login: string, holder: Record<string, unknown>) {
  const answer = await fixture.adminClient.post('/api/v1/api-account-requests', { login, holder });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

async function fulfil(fixture: LicenceFixture, requestId: string) {
  const answer = await test.operator.post(`/operator/v1/api-account-requests/${requestId}/fulfil`, fulfilBody(fixture));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

const inbox = async (user: ConsoleUser) => (await user.client.get('/api/v1/transfer-box')).body.items as { id: string; name: string }[];
const secretIn = async (user: ConsoleUser, itemId: string) => clientSecretIn(String((await user.client.get(`/api/v1/transfer-box/${itemId}/content`)).body));
const tokenFor = async (licence: string, login: string, secret: string) =>
  (
    await test
      .anonymous()
      .request('POST', '/api/v1/auth/token', `grant_type=client_credentials&client_id=${encodeURIComponent(`${licence}/${login}`)}&client_secret=${encodeURIComponent(secret)}`, {
        'content-type': 'application/x-www-form-urlencoded',
      })
  ).status;

describe('the holder of an API account', () => {
  it('cannot be swapped for a second user with the same e-mail: the e-mail is refused as ambiguous, the user id reaches the holder only', async () => {
    const fixture = await createLicence(test);
    const holder = await consoleUser(fixture, 'transfer-box');
    // The interception: the admin makes a second user with the holder's e-mail, whose login sorts first.
    const interloper = await consoleUser(fixture, 'transfer-box', { login: `aaa-${unique('x')}`, email: holder.email.toUpperCase() });

    const byEmail = await fixture.adminClient.post('/api/v1/api-account-requests', { login: 'crm-ws', holder: { firstName: 'Grace', lastName: 'Hopper', email: holder.email, mobile: '+33611223344' } });
    expect(byEmail.status).toBe(422);
    expect(byEmail.body.errors).toEqual([expect.objectContaining({ field: 'holder.email', code: 'ambiguous' })]);
    const previewed = await fixture.adminClient.post('/api/v1/api-account-requests/preview', { login: 'crm-ws', holder: { firstName: 'Grace', lastName: 'Hopper', email: holder.email } });
    expect(previewed.status).toBe(422);
    expect(previewed.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`)).toEqual(expect.arrayContaining(['holder.email:ambiguous']));
    expect((await fixture.adminClient.get('/api/v1/api-account-requests')).body.items).toEqual([]);

    const filed = await request(fixture, 'crm-ws', { userId: holder.id });
    expect(filed).toMatchObject({ delivery: 'transfer-box', holder: { userId: holder.id, login: holder.login, email: holder.email } });
    const operatorView = (await test.operator.get('/operator/v1/api-account-requests?status=pending')).body.items.find((r: { id: string }) => r.id === filed.id);
    expect(operatorView).toMatchObject({ delivery: 'transfer-box', holder: { userId: holder.id, login: holder.login, firstName: 'Grace', lastName: 'Hopper' } });

    expect((await fulfil(fixture, filed.id)).delivery).toBe('transfer-box');
    expect(await inbox(interloper)).toEqual([]);
    const [item] = await inbox(holder);
    expect(await tokenFor(fixture.code, 'crm-ws', await secretIn(holder, item!.id))).toBe(200);
  });

  it('is a person outside the console when not named by user id: the secret goes by SMS, even when one user has that e-mail', async () => {
    const fixture = await createLicence(test);
    // The admin gives a console user the outside partner's e-mail, hoping the secret lands in that user's box.
    const lookalike = await consoleUser(fixture, 'transfer-box', { email: `partner-${unique('p')}@example.com` });
    const holder = { firstName: 'Pat', lastName: 'Partner', email: lookalike.email, mobile: '+33655443322' };
    expect((await fixture.adminClient.post('/api/v1/api-account-requests/preview', { login: 'partner-ws', holder })).body).toEqual({ delivery: 'sms', warnings: [] });
    const filed = await request(fixture, 'partner-ws', holder);
    expect(filed).toMatchObject({ delivery: 'sms', holder: { userId: null, login: null, mobile: '+33655443322' } });
    expect((await fulfil(fixture, filed.id)).delivery).toBe('sms');
    expect(await inbox(lookalike)).toEqual([]);
    const sms = (await test.messagesTo('+33655443322')).at(-1)!;
    expect(await tokenFor(fixture.code, 'partner-ws', clientSecretIn(sms.text))).toBe(200);

    const withoutMobile = await fixture.adminClient.post('/api/v1/api-account-requests/preview', { login: 'other-ws', holder: { firstName: 'P', lastName: 'Q', email: lookalike.email } });
    expect(withoutMobile.status).toBe(422);
    expect(withoutMobile.body.errors).toEqual([expect.objectContaining({ field: 'holder.mobile', code: 'required_for_sms_delivery' })]);
  });

  it('goes by SMS to a Reviewer, who cannot open the Transfer Box, as the preview and the lists said before', async () => {
    const fixture = await createLicence(test);
    const reviewer = await consoleUser(fixture, 'reviewer', { mobile: '+33677665544' });
    const preview = await fixture.adminClient.post('/api/v1/api-account-requests/preview', { login: 'stats', holder: { userId: reviewer.id } });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ delivery: 'sms', warnings: ['login_without_ws'] });
    expect((await fixture.adminClient.get('/api/v1/api-account-requests')).body.items).toEqual([]);

    const filed = await request(fixture, 'stats', { userId: reviewer.id });
    expect(filed).toMatchObject({ delivery: 'sms', warnings: ['login_without_ws'], holder: { userId: reviewer.id, login: reviewer.login, mobile: '+33677665544' } });
    expect((await fixture.adminClient.get('/api/v1/api-account-requests')).body.items[0]).toMatchObject({ id: filed.id, delivery: 'sms' });
    const fulfilled = await fulfil(fixture, filed.id);
    expect(fulfilled.delivery).toBe('sms');
    expect(fulfilled.apiAccount.holder).toMatchObject({ userId: reviewer.id, login: reviewer.login });
    expect(await inbox(await consoleUser(fixture, 'transfer-box'))).toEqual([]);
    const sms = (await test.messagesTo('+33677665544')).at(-1)!;
    expect(await tokenFor(fixture.code, 'stats', clientSecretIn(sms.text))).toBe(200);
    expect((await fixture.adminClient.get('/api/v1/api-account-requests')).body.items[0]).toMatchObject({ id: filed.id, status: 'fulfilled', delivery: 'sms' });
  });

  it('needs a mobile when the holder cannot open the Transfer Box, and refuses a holder who is not an active user', async () => {
    const fixture = await createLicence(test);
    const reviewer = await consoleUser(fixture, 'reviewer');
    const noMobile = await fixture.adminClient.post('/api/v1/api-account-requests', { login: 'stats-ws', holder: { userId: reviewer.id } });
    expect(noMobile.status).toBe(422);
    expect(noMobile.body.errors).toEqual([expect.objectContaining({ field: 'holder.mobile', code: 'required_for_sms_delivery' })]);

    const both = await fixture.adminClient.post('/api/v1/api-account-requests/preview', { login: 'stats-ws', holder: { userId: reviewer.id, email: 'me@example.com' } });
    expect(both.status).toBe(422);
    expect(both.body.errors).toEqual([expect.objectContaining({ field: 'holder.email', code: 'not_with_user_id' })]);

    expect((await fixture.adminClient.post(`/api/v1/users/${reviewer.id}/deactivate`, {})).status).toBe(200);
    const inactive = await fixture.adminClient.post('/api/v1/api-account-requests/preview', { login: 'stats-ws', holder: { userId: reviewer.id } });
    expect(inactive.status).toBe(422);
    expect(inactive.body.errors).toEqual([expect.objectContaining({ field: 'holder.userId', code: 'not_found' })]);
    const other = await createLicence(test);
    const foreign = await fixture.adminClient.post('/api/v1/api-account-requests/preview', { login: 'stats-ws', holder: { userId: other.admin.id } });
    expect(foreign.body.errors).toEqual([expect.objectContaining({ field: 'holder.userId', code: 'not_found' })]);
  });

  it('uses the Transfer Box only while the licence subscribes it', async () => {
    const fixture = await createLicence(test);
    const holder = await consoleUser(fixture, 'transfer-box', { mobile: '+33688776655' });
    expect((await fixture.adminClient.post('/api/v1/api-account-requests/preview', { login: 'box-ws', holder: { userId: holder.id } })).body.delivery).toBe('transfer-box');
    const filed = await request(fixture, 'box-ws', { userId: holder.id });
    const applications: string[] = (await test.operator.get(`/operator/v1/licences/${fixture.code}`)).body.applications;
    const unsubscribed = await test.operator.patch(`/operator/v1/licences/${fixture.code}`, { applications: applications.filter((key) => !key.startsWith('transfer-box')) });
    expect(unsubscribed.status).toBe(200);
    const pending = (await test.operator.get('/operator/v1/api-account-requests?status=pending')).body.items.find((r: { id: string }) => r.id === filed.id);
    expect(pending.delivery).toBe('sms');
    expect((await fulfil(fixture, filed.id)).delivery).toBe('sms');
    expect((await test.messagesTo('+33688776655')).at(-1)?.text).toContain(`${fixture.code}/box-ws`);
  });
});

describe('fulfilment and rotation', () => {
  it('deliver to the holder the request named, by id, whoever gets their e-mail later', async () => {
    const fixture = await createLicence(test);
    const holder = await consoleUser(fixture, 'transfer-box', { mobile: '+33699001122' });
    const filed = await request(fixture, 'sync-ws', { userId: holder.id });
    // After the request, another user appears with the holder's e-mail and a login that sorts first.
    const interloper = await consoleUser(fixture, 'transfer-box', { login: `aaa-${unique('y')}`, email: holder.email });
    const fulfilled = await fulfil(fixture, filed.id);
    expect(fulfilled.delivery).toBe('transfer-box');
    const accountId: string = fulfilled.apiAccount.id;
    expect((await inbox(holder)).length).toBe(1);

    const rotated = await test.operator.post(`/operator/v1/licences/${fixture.code}/api-accounts/${accountId}/rotate-secret`);
    expect(rotated.body.delivery).toBe('transfer-box');
    expect(await inbox(interloper)).toEqual([]);
    const items = await inbox(holder);
    expect(items.length).toBe(2);
    expect(await tokenFor(fixture.code, 'sync-ws', await secretIn(holder, items[0]!.id))).toBe(200);

    // The holder loses the Transfer Box: the next secret goes by SMS to the holder's own mobile.
    expect((await fixture.adminClient.patch(`/api/v1/users/${holder.id}`, { configurationId: configurationId(fixture, 'reviewer') })).status).toBe(200);
    const listed = (await fixture.adminClient.get('/api/v1/api-accounts')).body.items.find((a: { id: string }) => a.id === accountId);
    expect(listed.holder).toMatchObject({ userId: holder.id, login: holder.login });
    const bySms = await test.operator.post(`/operator/v1/licences/${fixture.code}/api-accounts/${accountId}/rotate-secret`);
    expect(bySms.body.delivery).toBe('sms');
    const sms = (await test.messagesTo('+33699001122')).at(-1)!;
    expect(await tokenFor(fixture.code, 'sync-ws', clientSecretIn(sms.text))).toBe(200);
  });

  it('refuse, changing nothing, when the holder is no longer an active user', async () => {
    const fixture = await createLicence(test);
    const holder = await consoleUser(fixture, 'transfer-box', { mobile: '+33699001133' });
    const filed = await request(fixture, 'gone-ws', { userId: holder.id });
    expect((await fixture.adminClient.post(`/api/v1/users/${holder.id}/deactivate`, {})).status).toBe(200);
    const pending = (await fixture.adminClient.get('/api/v1/api-account-requests')).body.items[0];
    expect(pending).toMatchObject({ id: filed.id, status: 'pending', delivery: null });
    const refused = await test.operator.post(`/operator/v1/api-account-requests/${filed.id}/fulfil`, fulfilBody(fixture));
    expect(refused.status).toBe(409);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'holder.userId', code: 'not_found' })]);
    expect((await fixture.adminClient.get('/api/v1/api-accounts')).body.items).toEqual([]);
    expect((await fixture.adminClient.get('/api/v1/api-account-requests')).body.items[0].status).toBe('pending');
    expect(await test.messagesTo('+33699001133')).toEqual([]);
  });

  it('reads the secret in their own language: a French holder gets it in French, an outside holder in the language of the admin who asked', async () => {
    const fixture = await createLicence(test);
    const french = await consoleUser(fixture, 'transfer-box', { language: 'fr' });
    const toFrench = await fulfil(fixture, (await request(fixture, 'fr-ws', { userId: french.id })).id);
    expect(toFrench.delivery).toBe('transfer-box');
    const [item] = await inbox(french);
    expect(item!.name).toBe('Compte API fr-ws - secret.txt');
    const text = String((await french.client.get(`/api/v1/transfer-box/${item!.id}/content`)).body);
    expect(text).toContain(`Identifiant client (client id) : ${fixture.code}/fr-ws`);
    expect(await tokenFor(fixture.code, 'fr-ws', clientSecretIn(text))).toBe(200);

    // The admin who asks reads French: an outside holder's SMS, and the SMS of a later rotation, are in French.
    expect((await fixture.adminClient.patch(`/api/v1/users/${fixture.admin.id}`, { language: 'fr' })).status).toBe(200);
    const outside = await fulfil(fixture, (await request(fixture, 'partner-ws', { firstName: 'Pat', lastName: 'Partner', email: 'pat@partner.example', mobile: '+33644556677' })).id);
    expect(outside.delivery).toBe('sms');
    const [first] = await test.messagesTo('+33644556677');
    expect(first!.text).toMatch(new RegExp(`^Gatehouse : compte API ${fixture.code}/partner-ws, secret : \\S+$`));
    expect(await tokenFor(fixture.code, 'partner-ws', clientSecretIn(first!.text))).toBe(200);
    expect((await test.operator.post(`/operator/v1/licences/${fixture.code}/api-accounts/${outside.apiAccount.id}/rotate-secret`)).body.delivery).toBe('sms');
    const rotated = (await test.messagesTo('+33644556677')).at(-1)!;
    expect(rotated.text).not.toBe(first!.text);
    expect(rotated.text).toMatch(/^Gatehouse : compte API .*, secret : \S+$/);
    expect(await tokenFor(fixture.code, 'partner-ws', clientSecretIn(rotated.text))).toBe(200);

    // An English holder reads English whoever asked.
    const english = await consoleUser(fixture, 'transfer-box');
    await fulfil(fixture, (await request(fixture, 'en-ws', { userId: english.id })).id);
    expect((await inbox(english)).map((i) => i.name)).toEqual(['API account en-ws - secret.txt']);
  });
});
