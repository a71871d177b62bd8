import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSeriousA11yViolations, launchBrowser, newConsole, signIn } from './support/browser.ts';
import { createLicence, createUser, PASSWORD, setPasswordByApi, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// Requesting an API account: the holder is picked among the console's users (or is someone outside
// it), the form says before sending whether the password goes to the holder's Transfer Box or by SMS,
// and the "ws" advice shows while the login is typed, not after sending.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server, { name: 'Acme Retail' });
  await setPasswordByApi(server, licence.admin.email);
  // Ursula's configuration opens the Transfer Box; Rita's (Reviewer) does not, so hers goes by SMS.
  await createUser(server, licence, { login: 'ursula', firstName: 'Ursula', lastName: 'Keller', email: `ursula@${licence.code}.test`, configuration: 'User' });
  await createUser(server, licence, { login: 'amelie', firstName: 'Amélie', lastName: 'Durand', email: `amelie@${licence.code}.test`, configuration: 'Admin', language: 'fr' });
  await createUser(server, licence, { login: 'rita', firstName: 'Rita', lastName: 'Moreau', email: `rita@${licence.code}.test`, configuration: 'Reviewer', mobile: '+33612345678' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const deliveryOf = (form: Locator) => form.getByRole('region', { name: /Delivery of the password|Remise du mot de passe/ }).getByRole('status');

async function openRequestForm(page: Page, labels: { menu: string; request: string }): Promise<Locator> {
  await page.getByRole('link', { name: labels.menu }).click();
  await page.getByRole('button', { name: labels.request }).click();
  return page.getByRole('form', { name: labels.request });
}

describe('requesting an API account', () => {
  it('advises "ws" as the login is typed and shows the delivery before sending (English)', async () => {
    const { context, page } = await newConsole(browser, server);
    await signIn(page, licence.code, 'alice');
    const form = await openRequestForm(page, { menu: 'API accounts', request: 'Request an API account' });

    const advice = 'We advise to always include "WS" or "webservice" in the name of every API account.';
    await form.getByLabel('Login of the API account').fill('crm');
    await form.getByText(advice).waitFor();
    await form.getByLabel('Login of the API account').fill('crm-ws');
    await expect.poll(() => form.getByText(advice).count()).toBe(0);

    await expect.poll(() => deliveryOf(form).innerText()).toBe('Choose the holder to see how the password will be delivered.');
    await form.getByLabel('A user of the console').check();
    await form.getByLabel('Find the user').fill('Keller');
    await expect.poll(() => form.getByLabel('Holder').locator('option').allInnerTexts()).toContain(`Ursula Keller (ursula) · ursula@${licence.code}.test`);
    await form.getByLabel('Holder').selectOption({ label: `Ursula Keller (ursula) · ursula@${licence.code}.test` });
    await expect.poll(() => deliveryOf(form).innerText()).toBe("The password will go to the holder's Transfer Box.");

    // A Reviewer cannot open the Transfer Box: the form says SMS before anything is sent.
    await form.getByLabel('Find the user').fill('Rita');
    await expect.poll(() => form.getByLabel('Holder').locator('option').allInnerTexts()).toContain(`Rita Moreau (rita) · rita@${licence.code}.test`);
    await form.getByLabel('Holder').selectOption({ label: `Rita Moreau (rita) · rita@${licence.code}.test` });
    await expect.poll(() => deliveryOf(form).innerText()).toBe('The password will go to the holder by SMS.');
    await expectNoSeriousA11yViolations(page, 'api account request');

    await form.getByRole('button', { name: 'Send the request' }).click();
    await expect.poll(() => page.locator('.toasts').innerText()).toContain('Request for crm-ws sent to the vendor');
    const requests = page.getByRole('region', { name: 'Requests' });
    await expect.poll(() => requests.getByRole('row', { name: /crm-ws/ }).innerText()).toMatch(/Rita Moreau[\s\S]*SMS[\s\S]*Pending/);
    await context.close();
  });

  it('sends an outside holder\'s password by SMS and says so in French', async () => {
    // Amélie's language is French: the console speaks it from the sign-in on.
    const { context, page } = await newConsole(browser, server, { locale: 'fr-FR' });
    await signIn(page, licence.code, 'amelie', PASSWORD, 'fr');
    const form = await openRequestForm(page, { menu: 'Comptes API', request: 'Demander un compte API' });

    await form.getByLabel('Identifiant du compte API').fill('erp');
    await form.getByText('Nous conseillons de toujours inclure « WS » ou « webservice » dans le nom de chaque compte API.').waitFor();
    await form.getByLabel('Identifiant du compte API').fill('erp-webservice');
    await form.getByLabel('Une personne sans compte sur la console').check();
    await form.getByLabel('Prénom').fill('Omar');
    await form.getByLabel('Nom', { exact: true }).fill('Benali');
    await form.getByLabel('E-mail').fill('omar@partner.test');
    await expect.poll(() => deliveryOf(form).innerText()).toContain('Le mot de passe partira par SMS au titulaire.');
    await form.getByRole('textbox', { name: 'Mobile' }).fill('0698765432');
    await expect.poll(() => deliveryOf(form).innerText()).toBe('Le mot de passe partira par SMS au titulaire.');
    await expectNoSeriousA11yViolations(page, 'demande de compte API');

    await form.getByRole('button', { name: 'Envoyer la demande' }).click();
    await expect.poll(() => page.locator('.toasts').innerText()).toContain("Demande pour erp-webservice envoyée à l'éditeur");
    const requests = page.getByRole('region', { name: 'Demandes' });
    await expect.poll(() => requests.getByRole('row', { name: /erp-webservice/ }).innerText()).toMatch(/Omar Benali[\s\S]*SMS[\s\S]*En attente/);
    await context.close();
  });
});
