import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSeriousA11yViolations, launchBrowser, newConsole, signIn } from './support/browser.ts';
import { setPasswordByApi, startServer, uniqueCode, type RunningServer } from './support/server.ts';

// The vendor's operator console: token sign-in, a licence set up from scratch, and a support visit the
// customer then reads in their licence accesses.

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('an operator', () => {
  it('refuses a wrong token and signs in with the right one', async () => {
    const { context, page } = await newConsole(browser, server);
    await page.goto('/operator');
    await page.getByLabel('Operator token').fill('x'.repeat(40));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('.field-error, .alert-error').first().innerText()).not.toBe('');
    await expectNoSeriousA11yViolations(page, 'operator sign in');
    await page.getByLabel('Operator token').fill(server.operatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Licences' }).waitFor();
    await context.close();
  });

  it('creates an operator token shown once, signs in with it, then revokes it and is refused', async () => {
    const { context, page } = await newConsole(browser, server);
    await page.goto('/operator');
    await page.getByLabel('Operator token').fill(server.operatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Operator tokens' }).click();
    await page.getByRole('heading', { name: 'Operator tokens', level: 1 }).waitFor();

    const name = uniqueCode('billing');
    await page.getByRole('form', { name: 'New token' }).getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Create the token' }).click();
    const token = await page.getByTestId('new-operator-token').innerText();
    expect(token).toMatch(/^gho_/);
    await expectNoSeriousA11yViolations(page, 'operator tokens');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect.poll(() => page.getByTestId('new-operator-token').count()).toBe(0);
    const row = page.getByRole('row', { name: new RegExp(name) });
    await expect.poll(() => row.innerText()).toContain('In force');

    // The new token opens the console in a second browser.
    const second = await newConsole(browser, server);
    await second.page.goto('/operator');
    await second.page.getByLabel('Operator token').fill(token);
    await second.page.getByRole('button', { name: 'Sign in' }).click();
    await second.page.getByRole('heading', { name: 'Licences' }).waitFor();

    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke it' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toContain(`Token “${name}” revoked`);
    await expect.poll(() => row.innerText()).toContain('Revoked');
    const refused = await fetch(`${server.url}/operator/v1/licences`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);
    await second.context.close();
    await context.close();
  });

  it('creates a licence, its entities, a group and a tailor-made configuration, then opens a support visit the customer sees', async () => {
    const code = uniqueCode('north');
    const { context, page } = await newConsole(browser, server);
    await page.goto('/operator');
    await page.getByLabel('Operator token').fill(server.operatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('button', { name: '+ Create a licence' }).click();
    const form = page.getByRole('form', { name: 'Create a licence' });
    await form.getByLabel('Code').fill(code);
    await form.getByLabel('Name', { exact: true }).fill('Northwind Traders');
    await form.getByLabel('Seat limit').fill('25');
    await form.getByLabel('Login').fill('nina');
    await form.getByLabel('First name').fill('Nina');
    await form.getByLabel('Last name').fill('Olsen');
    await form.getByLabel('E-mail').fill(`nina@${code}.test`);
    await form.getByRole('button', { name: 'Create the licence' }).click();
    await page.getByRole('heading', { name: /Northwind Traders/ }).waitFor();
    await expect.poll(() => page.getByRole('status').innerText()).toContain(`Licence ${code} created`);

    await page.getByLabel('Code').fill('north-east');
    await page.getByRole('form', { name: 'Add an entity' }).getByLabel('Name').fill('North East');
    await page.getByRole('button', { name: 'Add the entity' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toContain('Entity north-east added');
    const groupForm = page.getByRole('form', { name: 'Make a group' });
    await groupForm.getByLabel('Group name').fill('Everything');
    await groupForm.getByRole('checkbox', { name: 'Main (main)' }).check();
    await groupForm.getByRole('checkbox', { name: 'North East (north-east)' }).check();
    await groupForm.getByRole('button', { name: 'Make the group' }).click();
    await expect.poll(() => page.locator('.group-list').innerText()).toContain('Everything');
    await expectNoSeriousA11yViolations(page, 'operator licence entities');

    await page.getByRole('tab', { name: 'Rights configurations' }).click();
    await page.getByRole('button', { name: '+ Tailor-made configuration' }).click();
    const configuration = page.getByRole('form', { name: 'New tailor-made configuration' });
    await configuration.getByLabel('Name', { exact: true }).fill('Campaign reviewers');
    await configuration.getByRole('checkbox', { name: 'Reporting & statistics' }).check();
    // The application of that name, under its category of the same name: the category turns mixed.
    await configuration.getByRole('checkbox', { name: 'E-mail campaigns' }).nth(1).check();
    await expect.poll(() => configuration.getByRole('checkbox', { name: 'E-mail campaigns' }).first().getAttribute('aria-checked')).toBe('mixed');
    await expectNoSeriousA11yViolations(page, 'operator configuration tree');
    await configuration.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('table').innerText()).toContain('Campaign reviewers');

    await page.getByRole('tab', { name: 'Support visit' }).click();
    await page.getByLabel('Ticket number').fill('SUP-4411');
    await page.getByLabel('Description').fill('Campaign exports fail for the North East entity');
    await page.getByLabel('Operator', { exact: true }).fill('Olivia Operator');
    await page.getByRole('button', { name: 'Open the visit' }).click();
    await expect.poll(() => page.locator('.toasts').innerText()).toContain('Support visit for ticket SUP-4411 opened');

    await page.getByRole('navigation').getByRole('link', { name: 'Licences' }).click();
    await page.getByRole('link', { name: code }).waitFor();
    await expectNoSeriousA11yViolations(page, 'operator licences');
    await context.close();

    await setPasswordByApi(server, `nina@${code}.test`);
    const customer = await newConsole(browser, server);
    await signIn(customer.page, code, 'nina');
    await customer.page.getByRole('link', { name: 'Licence accesses' }).click();
    await customer.page.getByRole('tab', { name: 'Support' }).click();
    await expect.poll(() => customer.page.getByRole('tabpanel').innerText()).toContain('SUP-4411');
    await expectNoSeriousA11yViolations(customer.page, 'licence accesses');
    await customer.page.getByRole('tab', { name: 'Users' }).click();
    await expect.poll(() => customer.page.getByRole('tabpanel').innerText()).toContain('nina');

    await customer.page.getByRole('link', { name: 'Audit trail' }).click();
    await expect.poll(() => customer.page.getByRole('table').innerText()).toContain('Support visit opened');
    await expectNoSeriousA11yViolations(customer.page, 'audit trail');
    await customer.context.close();
  });
});
