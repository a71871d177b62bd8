import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerConfirmations, launchBrowser, LEAVE_UNSAVED, newConsole, signIn } from './support/browser.ts';
import { createLicence, createUser, PASSWORD, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// Passkeys in Chromium, with a virtual authenticator of the DevTools protocol standing in for the
// device's own (a platform authenticator with user verification, holding resident credentials).
// WebAuthn needs a secure context: the test server's public URL is http://localhost:<port>, one.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server, { name: 'Acme Retail' });
  await createUser(server, licence, { login: 'paul', firstName: 'Paul', lastName: 'Verne', email: `paul@${licence.code}.test`, configuration: 'User' });
  await createUser(server, licence, { login: 'lea', firstName: 'Léa', lastName: 'Roux', email: `lea@${licence.code}.test`, configuration: 'User', language: 'fr' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A console whose page has a virtual platform authenticator, as a laptop with a fingerprint reader. */
async function consoleWithAuthenticator(locale = 'en-GB'): Promise<{ context: BrowserContext; page: Page }> {
  const { context, page } = await newConsole(browser, server, { locale });
  const devtools = await context.newCDPSession(page);
  await devtools.send('WebAuthn.enable');
  await devtools.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { context, page };
}

describe('passkeys in the console', () => {
  it('enrols a passkey from My account, signs in with it after signing out, and removes it', async () => {
    const { context, page } = await consoleWithAuthenticator();
    await signIn(page, licence.code, 'paul');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    const section = page.getByRole('region', { name: 'Passkeys' });
    await section.getByText('No passkey yet.').waitFor();

    await section.getByLabel('Name of the new passkey').fill('Work laptop');
    // A name typed and not added yet is asked about before signing out; staying keeps it.
    const { asked } = answerConfirmations(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => asked).toEqual([LEAVE_UNSAVED]);
    await section.getByRole('button', { name: 'Add a passkey' }).click();
    const row = section.getByRole('row', { name: /Work laptop/ });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(2).innerText()).toBe('Never');

    // Added, nothing is left to lose.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Licence').fill(licence.code);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    // Signed in as Paul without a password; the passkey's use is recorded.
    await expect.poll(() => section.getByRole('row', { name: /Work laptop/ }).getByRole('cell').nth(2).innerText()).not.toBe('Never');

    await section.getByRole('button', { name: 'Remove the passkey “Work laptop”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove the passkey “Work laptop”?' });
    await dialog.getByLabel('Your current password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Remove it' }).click();
    await section.getByText('No passkey yet.').waitFor();

    // The authenticator still holds its credential, but the licence no longer knows it.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Licence').fill(licence.code);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByText('This passkey was not accepted for this licence.', { exact: false }).waitFor();
    expect(asked).toHaveLength(1);
    await context.close();
  });

  it('works in French too', async () => {
    const { context, page } = await consoleWithAuthenticator('fr-FR');
    await signIn(page, licence.code, 'lea', PASSWORD, 'fr');
    await page.getByRole('heading', { name: 'Mon compte' }).waitFor();
    const section = page.getByRole('region', { name: "Clés d'accès" });
    await section.getByLabel("Nom de la nouvelle clé d'accès").fill('Portable');
    await section.getByRole('button', { name: "Ajouter une clé d'accès" }).click();
    await section.getByRole('row', { name: /Portable/ }).waitFor();

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    await page.getByLabel('Licence').fill(licence.code);
    await page.getByLabel('Identifiant').fill('lea');
    await page.getByRole('button', { name: "Utiliser une clé d'accès" }).click();
    await page.getByRole('heading', { name: 'Mon compte' }).waitFor();
    await context.close();
  });
});
