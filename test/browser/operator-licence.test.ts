import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerConfirmations, expectNoSeriousA11yViolations, launchBrowser, LEAVE_UNSAVED, newConsole } from './support/browser.ts';
import { createLicence, PASSWORD, setPasswordByApi, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// An operator looks after a running licence: edits its seat limit and applications (and is told which
// users keep two-factor off), creates a Team user, and renews an API account's secret.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;

/** Signs the licence's admin in through the API: the session cookie and its CSRF token. */
async function adminSession(): Promise<{ cookie: string; csrfToken: string }> {
  const answer = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ licence: licence.code, login: licence.admin.login, password: PASSWORD }),
  });
  if (answer.status !== 200) throw new Error(`sign-in failed: ${answer.status} ${await answer.text()}`);
  const body = (await answer.json()) as { csrfToken: string };
  const cookie = (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { cookie, csrfToken: body.csrfToken };
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server, { prefix: 'care', name: 'Care Homes' });
  await setPasswordByApi(server, licence.admin.email);

  // An API account, as it comes to be: the admin asks for it, the operator fulfils the request.
  const { cookie, csrfToken } = await adminSession();
  // The holder is the admin, named by user id: a console holder is never found by e-mail.
  const me = (await (await fetch(`${server.url}/api/v1/me`, { headers: { Cookie: cookie } })).json()) as { id: string };
  const requested = await fetch(`${server.url}/api/v1/api-account-requests`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrfToken },
    body: JSON.stringify({ login: 'billing-ws', holder: { userId: me.id } }),
  });
  if (requested.status !== 201) throw new Error(`the request failed: ${requested.status} ${await requested.text()}`);
  const request = (await requested.json()) as { id: string };
  const configurations: { id: string; name: string }[] = await server.operator('GET', `/licences/${licence.code}/rights-configurations`);
  const groups: { id: string }[] = await server.operator('GET', `/licences/${licence.code}/entity-groups`);
  const user = configurations.find((configuration) => configuration.name === 'User');
  if (!user || !groups[0]) throw new Error('no User configuration or no group');
  await server.operator('POST', `/api-account-requests/${request.id}/fulfil`, { configurationId: user.id, entityGroupId: groups[0].id });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openLicence(page: Page) {
  await page.goto('/operator');
  await page.getByLabel('Operator token').fill(server.operatorToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: licence.code }).click();
  await page.getByRole('heading', { name: /Care Homes/ }).waitFor();
}

describe('an operator looking after a licence', () => {
  it('edits its seat limit and applications, with the errors beside the fields and the users who lack a mobile listed', async () => {
    const before = await server.operator('GET', `/licences/${licence.code}`);
    expect(before.applications).toContain('email-campaigns.campaigns');
    const { context, page } = await newConsole(browser, server);
    await openLicence(page);

    await page.getByRole('button', { name: 'Edit the licence' }).click();
    const form = page.getByRole('form', { name: `Edit licence ${licence.code}` });
    await form.getByLabel('Seat limit').fill('0');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => form.locator('.field-invalid').filter({ has: page.getByLabel('Seat limit') }).innerText()).toContain('Too small.');
    expect(await form.getByLabel('Seat limit').getAttribute('aria-invalid')).toBe('true');

    // Two-factor cannot turn on while the admin has no mobile: the alert names them.
    await form.getByLabel('Seat limit').fill('12');
    await form.getByRole('checkbox', { name: 'Two-factor authentication on' }).check();
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => form.getByRole('alert').innerText()).toContain('1 active user has no mobile number');
    await expect.poll(() => form.getByRole('alert').innerText()).toContain(licence.admin.login);
    await expectNoSeriousA11yViolations(page, 'operator licence edit');

    await form.getByRole('checkbox', { name: 'Two-factor authentication on' }).uncheck();
    await form.getByRole('checkbox', { name: 'E-mail campaigns' }).uncheck();
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.toasts').innerText()).toContain(`Licence ${licence.code} saved.`);
    await expect.poll(() => page.locator('.details').innerText()).toContain('of 12 seats used');

    const after = await server.operator('GET', `/licences/${licence.code}`);
    expect(after.seatLimit).toBe(12);
    expect(after.twoFactor).toBe(false);
    expect(after.applications).not.toContain('email-campaigns.campaigns');
    expect(after.applications).toHaveLength(before.applications.length - 1);
    await context.close();
  });

  it('asks before another section drops an entity half typed', async () => {
    const { context, page } = await newConsole(browser, server);
    await openLicence(page);
    const confirmations = answerConfirmations(page);
    const { asked } = confirmations;
    const entityForm = page.getByRole('form', { name: 'Add an entity' });
    await entityForm.getByLabel('Code').fill('north');
    await page.getByRole('tab', { name: 'Users', exact: true }).click();
    await expect.poll(() => asked).toEqual([LEAVE_UNSAVED]);
    expect(await page.getByRole('tab', { name: 'Entities and groups', selected: true }).count()).toBe(1);
    expect(await entityForm.getByLabel('Code').inputValue()).toBe('north');
    confirmations.answer = 'leave';
    await page.getByRole('tab', { name: 'Users', exact: true }).click();
    await page.getByRole('tab', { name: 'Users', exact: true, selected: true }).waitFor();
    // Nothing typed, nothing asked.
    await page.getByRole('tab', { name: 'Entities and groups' }).click();
    await page.getByRole('tab', { name: 'Entities and groups', selected: true }).waitFor();
    expect(asked).toHaveLength(2);
    await context.close();
  });

  it('creates a Team user and finds them in the licence users', async () => {
    const { context, page } = await newConsole(browser, server);
    await openLicence(page);
    await page.getByRole('tab', { name: 'Users', exact: true }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Users of the licence' }).innerText()).toContain(licence.admin.login);

    await page.getByRole('button', { name: '+ Create a user' }).click();
    const form = page.getByRole('form', { name: 'Create a user' });
    // Team is offered to operators, where licence admins never see it.
    await form.getByLabel('Rights configuration').selectOption({ label: 'Team' });
    await form.getByRole('button', { name: 'Create the user' }).click();
    await expect.poll(() => form.locator('.field-error').count()).toBeGreaterThan(0);
    expect(await form.getByLabel('Login').getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('Login').fill('tina');
    await form.getByLabel('First name').fill('Tina');
    await form.getByLabel('Last name').fill('Turner');
    await form.getByLabel('E-mail').fill(`tina@${licence.code}.test`);
    await form.getByLabel('Entity group').selectOption({ index: 1 });
    await expectNoSeriousA11yViolations(page, 'operator user create');
    await form.getByRole('button', { name: 'Create the user' }).click();
    await expect.poll(() => page.locator('.toasts').innerText()).toContain('User tina created');

    await page.getByLabel('Search users').fill('tina');
    const table = page.getByRole('tabpanel').getByRole('table');
    // The searched list alone: Tina with her Team configuration, and nobody else.
    await expect.poll(async () => {
      const text = await table.innerText();
      return text.includes('Tina Turner') && text.includes('Team') && !text.includes(licence.admin.email);
    }).toBe(true);
    await expectNoSeriousA11yViolations(page, 'operator licence users');
    await context.close();
  });

  it("renews an API account's secret after a confirmation, and says where the new one went", async () => {
    const { context, page } = await newConsole(browser, server);
    await openLicence(page);
    await page.getByRole('tab', { name: 'API accounts' }).click();
    await page.getByRole('button', { name: 'Renew the secret billing-ws' }).click();
    const dialog = page.getByRole('dialog', { name: 'Renew the secret of billing-ws?' });
    await expectNoSeriousA11yViolations(page, 'operator api account renewal');
    // Escape keeps the secret as it is.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Renew the secret billing-ws' }).click();
    await dialog.getByRole('button', { name: 'Renew the secret' }).click();
    await expect.poll(() => page.locator('.toasts').innerText()).toContain('New secret of billing-ws made; it goes to the holder by Transfer Box.');
    await expect.poll(() => page.locator('.alert-success').innerText()).toContain('Transfer Box');
    await expectNoSeriousA11yViolations(page, 'operator licence api accounts');
    await context.close();
  });
});
