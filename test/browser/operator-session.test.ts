import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newConsole } from './support/browser.ts';
import { createLicence, createUser, startServer, type RunningServer } from './support/server.ts';

// The operator console keeps no credential in the page (issue 9 item 10): the token is traded for an
// HttpOnly, SameSite=Strict cookie session. And a seat limit set below the seats in use is confirmed
// with what it means (issue 10 item 5).

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

async function signInOperator(page: Page) {
  await page.goto('/operator');
  await page.getByLabel('Operator token').fill(server.operatorToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Licences' }).waitFor();
}

const pageStorage = (page: Page) =>
  page.evaluate(() => {
    const { sessionStorage, localStorage } = globalThis as unknown as { sessionStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null }; localStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null } };
    const all: string[] = [];
    for (const storage of [sessionStorage, localStorage]) {
      for (let index = 0; index < storage.length; index++) {
        const key = storage.key(index);
        if (key !== null) all.push(`${key}=${storage.getItem(key) ?? ''}`);
      }
    }
    return all.join('\n');
  });

describe('the operator session', () => {
  it('keeps the token out of the page: an HttpOnly, SameSite=Strict cookie that survives a reload and ends at sign-out', async () => {
    const { context, page } = await newConsole(browser, server);
    await signInOperator(page);
    expect(await pageStorage(page)).not.toContain(server.operatorToken);
    expect(await pageStorage(page)).not.toMatch(/operator/i);
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'gatehouse_operator');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/operator/v1' });
    expect(session?.value).not.toBe(server.operatorToken);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).not.toContain('gatehouse_operator');

    await page.reload();
    await page.getByRole('heading', { name: 'Licences' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Operator token').waitFor();
    await page.reload();
    await page.getByLabel('Operator token').waitFor();
    expect((await context.cookies()).some((cookie) => cookie.name === 'gatehouse_operator')).toBe(false);
    await context.close();
  });
});

describe('a seat limit below the seats in use', () => {
  it('asks for a confirmation that says nobody is deactivated and no new user comes until seats free up, in English and French', async () => {
    const licence = await createLicence(server, { prefix: 'seats', name: 'Seat Shop', seatLimit: 5 });
    for (const login of ['anna', 'bruno']) {
      await createUser(server, licence, { login, firstName: login, lastName: 'Test', email: `${login}@${licence.code}.test`, configuration: 'User' });
    }
    const { context, page } = await newConsole(browser, server);
    await signInOperator(page);
    await page.getByRole('link', { name: licence.code }).click();
    await page.getByRole('heading', { name: /Seat Shop/ }).waitFor();
    await page.getByRole('button', { name: 'Edit the licence' }).click();
    const form = page.getByRole('form', { name: `Edit licence ${licence.code}` });
    await form.getByLabel('Seat limit').fill('2');
    await form.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog', { name: 'Set the seat limit to 2, below the 3 seats in use?' });
    await dialog.getByText('Nobody is deactivated: the 3 users in place keep their access.', { exact: false }).waitFor();
    await dialog.getByText('no new user can be created or activated until seats free up', { exact: false }).waitFor();
    // Cancelled: nothing sent.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await server.operator('GET', `/licences/${licence.code}`)).seatLimit).toBe(5);

    // The same in French.
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('form', { name: `Modifier la licence ${licence.code}` }).getByRole('button', { name: 'Enregistrer' }).click();
    const french = page.getByRole('dialog', { name: 'Fixer la limite à 2 places, sous les 3 places occupées ?' });
    await french.getByText('Personne n’est désactivé', { exact: false }).waitFor();
    await french.getByRole('button', { name: 'Abaisser la limite' }).click();
    await expect.poll(async () => (await server.operator('GET', `/licences/${licence.code}`)).seatLimit).toBe(2);
    await context.close();
  });
});
