import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newConsole, signIn } from './support/browser.ts';
import { createLicence, createUser, PASSWORD, setPasswordByApi, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// The flows of the users app a licence admin found broken (issue 10 items 1, 2, 5, 9, 10, 11 and the
// step-up confirmations), walked by visible labels, in English and in French where words matter.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server);
  await setPasswordByApi(server, licence.admin.email);
  await createUser(server, licence, { login: 'bob', firstName: 'Bob', lastName: 'Durand', email: `bob@${licence.code}.test`, configuration: 'User' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function signedInAdmin(options: { locale?: string } = {}) {
  const opened = await newConsole(browser, server, options);
  await signIn(opened.page, licence.code, 'alice');
  await opened.page.getByRole('navigation').first().waitFor();
  return opened;
}

async function openUser(page: Page, name: string) {
  await page.goto('/users');
  await page.getByRole('tabpanel').getByRole('link', { name: new RegExp(name) }).click();
  await page.getByRole('heading', { name, level: 2 }).waitFor();
}

const fieldError = (page: Page, label: string) => page.locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.field-error');

describe('the users app', () => {
  it('edits the gender and mobile of an admin who holds the Admin configuration (item 1), the mobile formatted as typed (item 9)', async () => {
    const { context, page } = await signedInAdmin();
    await openUser(page, 'Alice Martin');
    await page.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: /Edit alice/ });
    await form.getByLabel('Gender').selectOption({ label: 'Female' });
    await form.getByLabel('Country', { exact: true }).selectOption('FR');
    await form.getByRole('textbox', { name: 'Mobile' }).pressSequentially('0612345678');
    // The national format, as typed.
    await expect.poll(() => form.getByRole('textbox', { name: 'Mobile' }).inputValue()).toBe('06 12 34 56 78');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').first().innerText()).toContain('Changes to alice saved.');
    const details = page.locator('.details');
    await expect.poll(() => details.innerText()).toContain('Female');
    await expect.poll(() => details.innerText()).toContain('+33612345678');
    await context.close();
  });

  it('offers every country in a searchable list, refuses a number of another country, and says "Required" on empty fields (item 9)', async () => {
    const { context, page } = await signedInAdmin();
    await page.goto('/users/new');
    const form = page.getByRole('form', { name: 'Create a user' });
    const country = form.getByLabel('Country', { exact: true });
    // Every country of the metadata (about 245), not a short list.
    await expect.poll(() => country.locator('option').count()).toBeGreaterThan(200);

    await form.getByRole('button', { name: 'Create the user' }).click();
    for (const label of ['Login', 'First name', 'Last name', 'E-mail']) {
      await expect.poll(() => fieldError(page, label).innerText()).toBe('Required.');
    }

    await form.getByLabel('Search a country').fill('luxem');
    expect(await country.locator('option').allInnerTexts()).toContain('Luxembourg (+352)');
    await country.selectOption({ label: 'Luxembourg (+352)' });
    // The prefix is never cut: the whole label fits in the list's box.
    const fits = await country.evaluate((select) => {
      const element = select as unknown as { options: { text: string }[]; selectedIndex: number; clientWidth: number };
      const canvas = (globalThis as any).document.createElement('canvas').getContext('2d');
      canvas.font = (globalThis as any).getComputedStyle(select).font;
      return canvas.measureText(element.options[element.selectedIndex]!.text).width + 20 <= element.clientWidth;
    });
    expect(fits).toBe(true);

    await form.getByRole('textbox', { name: 'Mobile' }).fill('+33 6 12 34 56 78');
    await form.getByLabel('Login').fill('carol');
    await form.getByLabel('First name').fill('Carol');
    await form.getByLabel('Last name').fill('Petit');
    await form.getByLabel('E-mail').fill(`carol@${licence.code}.test`);
    await form.getByLabel('Rights configuration').selectOption({ label: 'User' });
    await form.getByLabel('Entity group').selectOption({ index: 1 });
    await form.getByRole('button', { name: 'Create the user' }).click();
    await expect.poll(() => fieldError(page, 'Mobile').innerText()).toContain('This is a number of France, not of Luxembourg');
    expect(await page.getByRole('heading', { name: 'Carol Petit' }).count()).toBe(0);
    await context.close();
  });

  it('shows a clean loading state when switching to the Deactivated tab (item 11)', async () => {
    const { context, page } = await signedInAdmin();
    await page.goto('/users');
    const panel = page.getByRole('tabpanel');
    await panel.getByRole('link', { name: /Bob Durand/ }).waitFor();
    // Holds the deactivated list's answer so the loading state can be looked at.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/api\/v1\/users\?.*status=deactivated/, async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('tab', { name: 'Deactivated' }).click();
    await panel.getByText('Loading…').waitFor();
    expect(await panel.getByRole('link').count()).toBe(0);
    release();
    await panel.getByText('No users here.').waitFor();
    await context.close();
  });

  it('asks nothing of the server it would refuse when signed out: no 401 for /auth/session (item 11)', async () => {
    const { context, page } = await newConsole(browser, server);
    const errors: string[] = [];
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
    });
    const session = page.waitForResponse((response) => response.url().includes('/api/v1/auth/session'));
    await page.goto('/users');
    expect((await session).status()).toBe(200);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(refused).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('asks for the password and repeats the warning before deactivating the support account (item 10)', async () => {
    const { context, page } = await signedInAdmin();
    await page.goto('/users');
    await page.getByRole('searchbox').fill('support');
    await page.getByRole('tabpanel').getByRole('link', { name: /support/i }).click();
    await page.getByText('Protected account.').waitFor();
    await page.getByRole('button', { name: 'Deactivate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deactivate the support account?' });
    await dialog.getByText("Deactivating the support account prevents any investigation by the vendor's support until you reactivate it.").waitFor();
    await dialog.getByRole('button', { name: 'Deactivate the support account' }).click();
    await expect.poll(() => fieldError(page, 'Your current password').innerText()).toBe('Required.');
    await dialog.getByLabel('Your current password').fill('not the password');
    await dialog.getByRole('button', { name: 'Deactivate the support account' }).click();
    await expect.poll(() => fieldError(page, 'Your current password').innerText()).toBe('This is not your current password.');
    await dialog.getByLabel('Your current password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Deactivate the support account' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => page.locator('.detail-sub').innerText()).toContain('Deactivated');
    // Activated again, so the vendor's support may investigate.
    await page.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => page.locator('.detail-sub').innerText()).toContain('Active');
    await context.close();
  });

  it('asks for the password in the reset-all confirmation (issue 9 item 6)', async () => {
    const { context, page } = await signedInAdmin();
    await page.goto('/users');
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: 'Reset all passwords' }).click();
    const dialog = page.getByRole('dialog', { name: "Reset every user's password?" });
    await dialog.getByLabel('Your current password').fill('not the password');
    await dialog.getByRole('button', { name: 'Reset all passwords' }).click();
    await expect.poll(() => fieldError(page, 'Your current password').innerText()).toBe('This is not your current password.');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await context.close();
  });
});

describe('licence two-factor and the server’s own words (item 2, issue 9 item 6)', () => {
  it('shows the server’s detail when a user without mobile is reactivated under two-factor, and asks the password to turn it off', async () => {
    const { context, page } = await signedInAdmin();
    // Bob has no mobile: deactivated, he no longer stands in the way of two-factor.
    await openUser(page, 'Bob Durand');
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => page.locator('.detail-sub').innerText()).toContain('Deactivated');

    await page.goto('/settings');
    const toggle = page.getByRole('switch', { name: 'Two-factor authentication' });
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');

    await page.goto('/users');
    await page.getByRole('tab', { name: 'Deactivated' }).click();
    await page.getByRole('tabpanel').getByRole('link', { name: /Bob Durand/ }).click();
    await page.getByRole('button', { name: 'Activate' }).click();
    const notice = page.locator('.toast-error');
    await notice.waitFor();
    expect(await notice.innerText()).toMatch(/mobile/i);
    expect(await notice.innerText()).not.toContain('You are not allowed to do this.');

    await page.goto('/settings');
    await toggle.click();
    const dialog = page.getByRole('dialog', { name: 'Turn two-factor authentication off?' });
    await dialog.getByLabel('Your current password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Turn it off' }).click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    await context.close();
  });
});

describe('seats', () => {
  it('disables "+ Create a user" with the reason when the licence is full, in English and in French (item 5)', async () => {
    const full = await createLicence(server, { seatLimit: 1 });
    await setPasswordByApi(server, full.admin.email);
    for (const [language, button, reason] of [
      ['en', '+ Create a user', 'Every seat of the licence is taken'],
      ['fr', '+ Créer un utilisateur', 'Toutes les places de la licence sont prises'],
    ] as const) {
      const { context, page } = await newConsole(browser, server);
      await signIn(page, full.code, 'alice');
      await page.getByRole('navigation').first().waitFor();
      // The console remembers the reader's language choice across a reload.
      await page.evaluate((chosen) => (globalThis as any).localStorage.setItem('gatehouse.language', chosen), language);
      await page.goto('/users');
      const create = page.getByRole('button', { name: button });
      await expect.poll(() => create.isDisabled()).toBe(true);
      await page.getByText(reason).waitFor();
      expect(await create.getAttribute('aria-describedby')).not.toBeNull();
      await context.close();
    }
  });
});
