import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerConfirmations, expectNoSeriousA11yViolations, launchBrowser, LEAVE_UNSAVED, menuEntries, newConsole, setPasswordFromLink, signIn } from './support/browser.ts';
import { createLicence, PASSWORD, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// The users app as a licence admin lives it, and what the people they create then see.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a licence admin', () => {
  it('sets a password from the welcome e-mail, signs in and sees the licence configuration menus', async () => {
    const { context, page } = await newConsole(browser, server);
    await setPasswordFromLink(page, await server.linkFor(licence.admin.email));
    await expect.poll(() => page.getByText('Your password is set').isVisible()).toBe(true);

    await page.goto('/sign-in');
    await page.getByLabel('Licence').fill(licence.code);
    await page.getByLabel('Login').fill('alice');
    await expectNoSeriousA11yViolations(page, 'sign in');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'My account' }).waitFor();
    expect(await menuEntries(page)).toEqual(['My account', 'Transfer Box', 'Users', 'Licence accesses', 'API accounts', 'Audit trail', 'Licence settings']);
    await expect.poll(() => page.locator('.header').innerText()).toContain('Acme Retail');
    await expect.poll(() => page.locator('.entity-default').innerText()).toContain('Default');
    await expectNoSeriousA11yViolations(page, 'my account');
    await context.close();
  });

  it('creates a user who then signs in and sees only their own menus', async () => {
    const admin = await newConsole(browser, server);
    await signIn(admin.page, licence.code, 'alice');
    await admin.page.getByRole('link', { name: 'Users' }).click();
    await admin.page.getByRole('heading', { name: 'Users' }).waitFor();
    await expect.poll(() => admin.page.locator('.seats').innerText()).toContain('1 of 10 seats used');

    await admin.page.getByRole('button', { name: '+ Create a user' }).click();
    const form = admin.page.getByRole('form', { name: 'Create a user' });
    await form.getByLabel('Login').fill('bob.reviewer');
    await form.getByLabel('First name').fill('Bob');
    await form.getByLabel('Last name').fill('Durand');
    await form.getByLabel('E-mail').fill('bob@example.test');
    await form.getByLabel('Rights configuration').selectOption({ label: 'Reviewer' });
    await form.getByLabel('Entity group').selectOption({ index: 1 });
    await expectNoSeriousA11yViolations(admin.page, 'user form');
    await form.getByRole('button', { name: 'Create the user' }).click();

    await admin.page.getByRole('heading', { name: 'Bob Durand' }).waitFor();
    await expect.poll(() => admin.page.getByRole('status').innerText()).toContain('User bob.reviewer created');
    await expect.poll(() => admin.page.locator('.seats').innerText()).toContain('2 of 10 seats used');
    await expect.poll(() => admin.page.getByRole('tabpanel').getByRole('link').allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining('Bob Durand'), expect.stringContaining('Alice Martin')]),
    );
    await expectNoSeriousA11yViolations(admin.page, 'users list');

    const bob = await newConsole(browser, server);
    await setPasswordFromLink(bob.page, await server.linkFor('bob@example.test'));
    await signIn(bob.page, licence.code, 'bob.reviewer');
    await bob.page.getByRole('heading', { name: 'My account' }).waitFor();
    expect(await menuEntries(bob.page)).toEqual(['My account']);
    await expect.poll(() => bob.page.locator('.details').nth(1).innerText()).toContain('Reviewer');

    await bob.page.goto('/users');
    await bob.page.getByRole('heading', { name: 'Not available' }).waitFor();
    await admin.context.close();
    await bob.context.close();
  });

  it('shows an error from the API beside its field', async () => {
    const { context, page } = await newConsole(browser, server);
    await signIn(page, licence.code, 'alice');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.goto('/users/new');
    const form = page.getByRole('form', { name: 'Create a user' });
    await form.getByLabel('Login').fill('ALICE');
    await form.getByLabel('First name').fill('Robert');
    await form.getByLabel('Last name').fill('Other');
    await form.getByLabel('E-mail').fill('not-an-address');
    await form.getByLabel('Rights configuration').selectOption({ label: 'User' });
    await form.getByLabel('Entity group').selectOption({ index: 1 });
    await form.getByRole('button', { name: 'Create the user' }).click();
    await expect.poll(() => form.locator('.field-invalid').count()).toBeGreaterThan(0);
    const emailField = form.locator('.field', { has: page.getByLabel('E-mail') });
    await expect.poll(() => emailField.locator('.field-error').innerText()).not.toBe('');
    await expect.poll(() => form.getByLabel('E-mail').getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('E-mail').fill('robert@example.test');
    await form.getByRole('button', { name: 'Create the user' }).click();
    const loginField = form.locator('.field', { has: page.getByLabel('Login') });
    await expect.poll(() => loginField.locator('.field-error').innerText()).toContain('already used');
    await context.close();
  });

  it('is asked before a form with unsaved changes is left, and keeps it when staying', async () => {
    const { context, page } = await newConsole(browser, server);
    const confirmations = answerConfirmations(page);
    const { asked } = confirmations;
    await signIn(page, licence.code, 'alice');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: '+ Create a user' }).click();
    const form = page.getByRole('form', { name: 'Create a user' });
    await form.getByLabel('Login').fill('halfway');
    await form.getByLabel('First name').fill('Half');

    // A menu link, then Back: the page stays, with what was typed.
    await page.getByRole('link', { name: 'Licence accesses' }).click();
    await expect.poll(() => asked).toEqual([LEAVE_UNSAVED]);
    await page.goBack();
    await expect.poll(() => asked.length).toBe(2);
    expect(new URL(page.url()).pathname).toBe('/users/new');
    expect(await form.getByLabel('First name').inputValue()).toBe('Half');

    // Saved, it moves on without asking.
    await form.getByLabel('Last name').fill('Way');
    await form.getByLabel('E-mail').fill('halfway@example.test');
    await form.getByLabel('Rights configuration').selectOption({ label: 'User' });
    await form.getByLabel('Entity group').selectOption({ index: 1 });
    await form.getByRole('button', { name: 'Create the user' }).click();
    await page.getByRole('heading', { name: 'Half Way', level: 2 }).waitFor();
    expect(asked).toHaveLength(2);

    // An edit left on purpose is dropped: the user stays as saved.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('form', { name: /Edit halfway/ }).getByLabel('First name').fill('Changed');
    confirmations.answer = 'leave';
    await page.getByRole('link', { name: 'Licence accesses' }).click();
    await page.getByRole('heading', { name: 'Licence accesses' }).waitFor();
    expect(asked).toHaveLength(3);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('tabpanel').getByRole('link', { name: /Half Way/ }).waitFor();
    // Nothing is asked once nothing is unsaved.
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    expect(asked).toHaveLength(3);
    await context.close();
  });

  it('cannot edit, delete or reset the protected support account, only deactivate it', async () => {
    const { context, page } = await newConsole(browser, server);
    await signIn(page, licence.code, 'alice');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.goto('/users');
    await page.getByRole('searchbox').fill('support');
    await page.getByRole('tabpanel').getByRole('link', { name: /support/i }).click();
    await page.getByText('Protected account.').waitFor();
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'More' }).count()).toBe(1); // the page's own menu only
    expect(await page.getByRole('button', { name: 'Deactivate' }).count()).toBe(1);
    await context.close();
  });
});
