import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSeriousA11yViolations, launchBrowser, menuEntries, newConsole, signIn } from './support/browser.ts';
import { createLicence, createUser, PASSWORD, setPasswordByApi, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// The console end to end in French: switched from the header, kept across visits, and followed from
// the signed-in user's own language.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server, { name: 'Boulangeries Dupain', language: 'fr' });
  await setPasswordByApi(server, licence.admin.email);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('la console en français', () => {
  it('switches to French from the header and remembers it', async () => {
    const { context, page } = await newConsole(browser, server, { locale: 'en-GB' });
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await page.reload();
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    await page.getByRole('link', { name: 'Mot de passe oublié ?' }).waitFor();
    await context.close();
  });

  it('runs a French admin through sign-in, their account and the users app in French', async () => {
    const { context, page } = await newConsole(browser, server, { locale: 'en-GB' });
    await signIn(page, licence.code, 'alice', PASSWORD);

    // Alice's language is French: the console follows it once she is signed in.
    await page.getByRole('heading', { name: 'Mon compte' }).waitFor();
    expect(await menuEntries(page)).toEqual(['Mon compte', 'Transfer Box', 'Utilisateurs', 'Accès à la licence', 'Comptes API', "Journal d'audit", 'Paramètres de la licence']);
    // Her first sign-in: "last connection" is the one before this one, and there is none yet.
    const lastConnection = page.locator('dt', { hasText: 'Dernière connexion' }).locator('xpath=following-sibling::dd[1]');
    await expect.poll(() => lastConnection.innerText()).toBe('Jamais');
    await expectNoSeriousA11yViolations(page, 'mon compte');

    await page.getByRole('link', { name: 'Utilisateurs' }).click();
    await page.getByRole('button', { name: '+ Créer un utilisateur' }).click();
    const form = page.getByRole('form', { name: 'Créer un utilisateur' });
    await form.getByLabel('Identifiant').fill('ALICE');
    await form.getByLabel('Prénom').fill('Zoé');
    await form.getByLabel('Nom', { exact: true }).fill('Lefèvre');
    await form.getByLabel('E-mail').fill('zoe@example.test');
    // The standard configurations go by their French names.
    expect(await form.getByLabel('Configuration de droits').locator('option').allInnerTexts()).toEqual(
      expect.arrayContaining(['Utilisateur avancé', 'Utilisateur', 'Utilisateur restreint', 'Réviseur', 'Transfer Box']),
    );
    await form.getByLabel('Configuration de droits').selectOption({ label: 'Utilisateur' });
    await form.getByLabel("Groupe d'entités").selectOption({ index: 1 });
    await form.getByRole('button', { name: "Créer l'utilisateur" }).click();
    const loginField = form.locator('.field', { has: page.getByLabel('Identifiant') });
    await expect.poll(() => loginField.locator('.field-error').innerText()).toBe('Cet identifiant est déjà utilisé dans la licence.');

    await form.getByLabel('Identifiant').fill('zoe.lefevre');
    await form.getByRole('button', { name: "Créer l'utilisateur" }).click();
    await page.getByRole('heading', { name: 'Zoé Lefèvre' }).waitFor();
    await expect.poll(() => page.getByRole('status').innerText()).toContain('Utilisateur zoe.lefevre créé');
    await expect.poll(() => page.locator('.seats').innerText()).toContain('2 places utilisées sur 10');
    await expectNoSeriousA11yViolations(page, 'utilisateurs');

    await page.getByRole('button', { name: 'Désactiver' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toContain('zoe.lefevre est désactivé');
    await page.getByRole('tab', { name: 'Désactivés' }).click();
    await page.getByRole('tabpanel').getByRole('link', { name: /Zoé Lefèvre/ }).waitFor();

    await page.getByRole('link', { name: 'Paramètres de la licence' }).click();
    await page.getByRole('switch', { name: 'Double authentification' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain("Impossible de l'activer : 1 utilisateur actif n'a pas de numéro de mobile");
    await page.getByRole('alert').getByRole('link', { name: 'alice' }).waitFor();
    await expectNoSeriousA11yViolations(page, 'paramètres');

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    await context.close();
  });

  it('tells a French admin in French why the server refused, in its own words', async () => {
    // A licence of two seats: Bruno deactivated, Chloé takes his seat, and Bruno cannot come back.
    const full = await createLicence(server, { name: 'Fromageries Lemoine', language: 'fr', seatLimit: 2 });
    await setPasswordByApi(server, full.admin.email);
    await createUser(server, full, { login: 'bruno', firstName: 'Bruno', lastName: 'Petit', email: `bruno@${full.code}.test`, configuration: 'User' });
    const { context, page } = await newConsole(browser, server, { locale: 'en-GB' });
    await signIn(page, full.code, 'alice', PASSWORD);
    await page.getByRole('heading', { name: 'Mon compte' }).waitFor();
    await page.getByRole('link', { name: 'Utilisateurs' }).click();
    await page.getByRole('link', { name: /Bruno Petit/ }).click();
    await page.getByRole('button', { name: 'Désactiver' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toContain('bruno est désactivé');
    await createUser(server, full, { login: 'chloe', firstName: 'Chloé', lastName: 'Roux', email: `chloe@${full.code}.test`, configuration: 'User' });

    await page.getByRole('button', { name: 'Activer' }).click();
    // The server's sentence, with the licence's own figure, in the reader's language.
    await expect.poll(() => page.getByRole('status').innerText()).toContain('Les 2 places de la licence sont toutes prises');
    await context.close();
  });
});
