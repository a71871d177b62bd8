import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerConfirmations, expectNoSeriousA11yViolations, launchBrowser, LEAVE_UNSAVED, newConsole } from './support/browser.ts';
import { PASSWORD, setPasswordByApi, startServer, uniqueCode, type RunningServer } from './support/server.ts';

// A licence with two-factor on: the SMS code at sign-in; then an API account requested by the admin,
// fulfilled by an operator, whose secret the holder reads in their Transfer Box.

let server: RunningServer;
let browser: Browser;
const code = uniqueCode('secure');
const mobile = '+33612345678';
const adminEmail = `victor@${code}.test`;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await server.operator('POST', '/licences', {
    code,
    name: 'Secure Bank',
    seatLimit: 5,
    twoFactor: true,
    admin: { login: 'victor', firstName: 'Victor', lastName: 'Hugo', email: adminEmail, language: 'en', mobile },
  });
  await setPasswordByApi(server, adminEmail);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function signInWithCode(page: Page) {
  const sentBefore = server.messages.length;
  await page.goto('/sign-in');
  await page.getByLabel('Licence').fill(code);
  await page.getByLabel('Login').fill('victor');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
  const sms = await server.messageTo(mobile, { after: sentBefore, channel: 'sms' });
  const smsCode = /\b(\d{6})\b/.exec(sms.text)?.[1];
  expect(smsCode).toBeDefined();
  return smsCode as string;
}

describe('two-factor sign-in and API accounts', () => {
  it('asks for the SMS code, refuses a wrong one and accepts the right one', async () => {
    const { context, page } = await newConsole(browser, server);
    const smsCode = await signInWithCode(page);
    await expectNoSeriousA11yViolations(page, 'second factor');
    await page.getByLabel('Code received by SMS').fill(smsCode === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.locator('.field-error, .alert-error').first().innerText()).not.toBe('');
    await page.getByLabel('Code received by SMS').fill(smsCode);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await context.close();
  });

  it('marks the mobile required while two-factor is on', async () => {
    const { context, page } = await newConsole(browser, server);
    const smsCode = await signInWithCode(page);
    await page.getByLabel('Code received by SMS').fill(smsCode);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.goto('/users/new');
    const form = page.getByRole('form', { name: 'Create a user' });
    await form.getByText('Required: the licence signs in with a code sent by SMS.').waitFor();
    expect(await form.getByRole('textbox', { name: 'Mobile' }).getAttribute('required')).not.toBeNull();
    await context.close();
  });

  it('has an API account requested by the admin, fulfilled by an operator, its secret read in the Transfer Box', async () => {
    const admin = await newConsole(browser, server);
    const smsCode = await signInWithCode(admin.page);
    await admin.page.getByLabel('Code received by SMS').fill(smsCode);
    await admin.page.getByRole('button', { name: 'Confirm' }).click();
    await admin.page.getByRole('heading', { name: 'My account' }).waitFor();

    await admin.page.getByRole('link', { name: 'Users' }).click();
    await admin.page.getByRole('button', { name: 'More' }).click();
    await admin.page.getByRole('menuitem', { name: 'Request an API account' }).click();
    const request = admin.page.getByRole('form', { name: 'Request an API account' });
    await request.getByLabel('Login of the API account').fill('crm-ws');
    // Victor holds it himself: a console user, named by his account, whose password goes to his Transfer Box.
    await request.getByLabel('A user of the console').check();
    const victor = `Victor Hugo (victor) · ${adminEmail}`;
    await expect.poll(() => request.getByLabel('Holder').locator('option').allInnerTexts()).toContain(victor);
    await request.getByLabel('Holder').selectOption({ label: victor });
    await request.getByText("The password will go to the holder's Transfer Box.").waitFor();
    await expectNoSeriousA11yViolations(admin.page, 'api account request');
    await request.getByRole('button', { name: 'Send the request' }).click();
    await expect.poll(() => admin.page.locator('.toasts').innerText()).toContain('Request for crm-ws sent to the vendor');
    await expect.poll(() => admin.page.getByRole('region', { name: 'Requests' }).innerText()).toContain('Pending');

    const operator = await newConsole(browser, server);
    await operator.page.goto('/operator');
    await operator.page.getByLabel('Operator token').fill(server.operatorToken);
    await operator.page.getByRole('button', { name: 'Sign in' }).click();
    await operator.page.getByRole('link', { name: 'API account requests' }).click();
    await operator.page.getByRole('button', { name: 'Fulfil crm-ws' }).click();
    const fulfil = operator.page.getByRole('form', { name: 'Fulfil the request for crm-ws' });
    await fulfil.getByLabel('Rights configuration').selectOption({ label: 'User' });
    // A request half handled is not left unasked: staying keeps what was chosen.
    const { asked } = answerConfirmations(operator.page);
    await operator.page.getByRole('link', { name: 'Licences' }).click();
    await expect.poll(() => asked).toEqual([LEAVE_UNSAVED]);
    await fulfil.getByLabel('Entity group').selectOption({ index: 1 });
    await expectNoSeriousA11yViolations(operator.page, 'operator api account requests');
    await fulfil.getByRole('button', { name: 'Create the API account' }).click();
    await expect.poll(() => operator.page.locator('.toasts').innerText()).toContain('its password goes to the holder by Transfer Box');
    // Fulfilled, nothing is left to lose.
    await operator.page.getByRole('link', { name: 'Licences' }).click();
    await operator.page.getByRole('heading', { name: 'Licences', level: 1 }).waitFor();
    expect(asked).toHaveLength(1);
    await operator.context.close();

    await admin.page.getByRole('link', { name: 'Transfer Box' }).click();
    await admin.page.getByRole('button', { name: /^Open/ }).first().click();
    const secret = admin.page.locator('.secret');
    await expect.poll(() => secret.innerText()).not.toBe('');
    await expectNoSeriousA11yViolations(admin.page, 'transfer box');

    await admin.page.getByRole('link', { name: 'API accounts' }).click();
    await expect.poll(() => admin.page.getByRole('region', { name: 'Accounts' }).innerText()).toContain('crm-ws');
    await expectNoSeriousA11yViolations(admin.page, 'api accounts');
    await admin.context.close();
  });
});
