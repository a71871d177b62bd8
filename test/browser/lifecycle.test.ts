import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newConsole, setPasswordFromLink, signIn } from './support/browser.ts';
import { createLicence, createUser, PASSWORD, setPasswordByApi, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// What happens to a user's access when an admin deactivates, resets or deletes them, and when they forget their password.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server);
  await setPasswordByApi(server, licence.admin.email);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openUser(admin: Page, name: string, tab: 'Active' | 'Deactivated' = 'Active') {
  await admin.goto('/users');
  await admin.getByRole('tab', { name: tab }).click();
  await admin.getByRole('tabpanel').getByRole('link', { name: new RegExp(name) }).click();
  await admin.getByRole('heading', { name, level: 2 }).waitFor();
}

const signInError = (page: Page) => page.getByRole('alert').innerText();

describe('access follows what the admin decides', () => {
  it('locks a deactivated user out at once, and lets them back in once activated', async () => {
    await createUser(server, licence, { login: 'carol', firstName: 'Carol', lastName: 'Petit', email: 'carol@example.test', configuration: 'User' });
    const carol = await newConsole(browser, server);
    await signIn(carol.page, licence.code, 'carol');
    await carol.page.getByRole('heading', { name: 'My account' }).waitFor();

    const admin = await newConsole(browser, server);
    await signIn(admin.page, licence.code, 'alice');
    await admin.page.getByRole('heading', { name: 'My account' }).waitFor();
    await openUser(admin.page, 'Carol Petit');
    await admin.page.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => admin.page.getByRole('status').innerText()).toContain('carol is deactivated');
    await admin.page.getByRole('tab', { name: 'Deactivated' }).click();
    await admin.page.getByRole('tabpanel').getByRole('link', { name: /Carol Petit/ }).waitFor();

    // Her open console finds its session gone on the next page she opens.
    await carol.page.goto('/transfer-box');
    await carol.page.getByRole('heading', { name: 'Sign in' }).waitFor().catch(async (error: unknown) => {
      throw new Error(`still signed in after deactivation: ${await carol.page.locator('body').innerText()}`, { cause: error });
    });
    await signIn(carol.page, licence.code, 'carol');
    await expect.poll(() => signInError(carol.page)).toContain('The licence, login or password is not right');

    await openUser(admin.page, 'Carol Petit', 'Deactivated');
    await admin.page.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => admin.page.getByRole('status').innerText()).toContain('carol is active again');
    await signIn(carol.page, licence.code, 'carol');
    await carol.page.getByRole('heading', { name: 'My account' }).waitFor();
    await admin.context.close();
    await carol.context.close();
  });

  it('resets a password: the old one stops working and the e-mailed link sets a new one', async () => {
    await createUser(server, licence, { login: 'dan', firstName: 'Dan', lastName: 'Roux', email: 'dan@example.test', configuration: 'Restricted user' });
    const admin = await newConsole(browser, server);
    await signIn(admin.page, licence.code, 'alice');
    await admin.page.getByRole('heading', { name: 'My account' }).waitFor();
    await openUser(admin.page, 'Dan Roux');
    const sentBefore = server.messages.length;
    await admin.page.getByRole('article').getByRole('button', { name: 'More' }).click();
    await admin.page.getByRole('menuitem', { name: 'Reset the password' }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Reset the password of dan?' });
    await dialog.getByRole('button', { name: 'Reset the password' }).click();
    await expect.poll(() => admin.page.getByRole('status').innerText()).toContain('A link was sent to dan@example.test');

    const dan = await newConsole(browser, server);
    await signIn(dan.page, licence.code, 'dan');
    await expect.poll(() => signInError(dan.page)).toContain('not right');

    const newPassword = 'a brand new passphrase, kept safe';
    await setPasswordFromLink(dan.page, await server.linkFor('dan@example.test', { after: sentBefore }), newPassword);
    await dan.page.getByText('Your password is set').waitFor();
    await signIn(dan.page, licence.code, 'dan', newPassword);
    await dan.page.getByRole('heading', { name: 'My account' }).waitFor();
    await admin.context.close();
    await dan.context.close();
  });

  it('deletes a user for good after a confirmation that says so', async () => {
    await createUser(server, licence, { login: 'erin', firstName: 'Erin', lastName: 'Blanc', email: 'erin@example.test', configuration: 'Reviewer' });
    const admin = await newConsole(browser, server);
    await signIn(admin.page, licence.code, 'alice');
    await admin.page.getByRole('heading', { name: 'My account' }).waitFor();
    await openUser(admin.page, 'Erin Blanc');
    await admin.page.getByRole('article').getByRole('button', { name: 'More' }).click();
    await admin.page.getByRole('menuitem', { name: 'Delete' }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Delete erin?' });
    await expect.poll(() => dialog.innerText()).toContain('final');
    await dialog.getByRole('button', { name: 'Delete for good' }).click();
    await expect.poll(() => admin.page.getByRole('status').innerText()).toContain('erin has been deleted');
    await expect.poll(() => admin.page.getByRole('tabpanel').innerText()).not.toContain('Erin Blanc');
    await admin.context.close();
  });

  it('sends a forgotten-password link with a neutral answer, known login or not', async () => {
    await createUser(server, licence, { login: 'fay', firstName: 'Fay', lastName: 'Noir', email: 'fay@example.test', configuration: 'User' });
    const { context, page } = await newConsole(browser, server);
    const sentBefore = server.messages.length;
    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Forgotten password?' }).click();
    await page.getByLabel('Licence').fill(licence.code);
    await page.getByLabel('Login').fill('nobody-here');
    await page.getByRole('button', { name: 'Send the link' }).click();
    const neutral = await page.getByRole('status').filter({ hasText: 'If an account matches' }).innerText();

    await page.goto('/forgot-password');
    await page.getByLabel('Licence').fill(licence.code);
    await page.getByLabel('Login').fill('fay');
    await page.getByRole('button', { name: 'Send the link' }).click();
    expect(await page.getByRole('status').filter({ hasText: 'If an account matches' }).innerText()).toBe(neutral);

    await setPasswordFromLink(page, await server.linkFor('fay@example.test', { after: sentBefore }), 'another long phrase for the console');
    await page.getByText('Your password is set').waitFor();
    await signIn(page, licence.code, 'fay', 'another long phrase for the console');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await context.close();
  });

  it('refuses a used link and a weak password, each with its own message', async () => {
    const { context, page } = await newConsole(browser, server);
    await page.goto('/reset-password?token=not-a-real-token');
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('New password again', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('invalid, already used or expired');
    await page.getByRole('link', { name: 'Ask for a new link' }).waitFor();

    const sentBefore = server.messages.length;
    await fetch(`${server.url}/api/v1/auth/password-reset`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ licence: licence.code, login: 'alice' }) });
    await page.goto(await server.linkFor(licence.admin.email, { after: sentBefore }));
    await page.getByLabel('New password', { exact: true }).fill('password');
    await page.getByLabel('New password again', { exact: true }).fill('password');
    await page.getByRole('button', { name: 'Set the password' }).click();
    const field = page.locator('.field', { has: page.getByLabel('New password', { exact: true }) });
    await expect.poll(() => field.locator('.field-error').innerText()).not.toBe('');
    await context.close();
  });
});
