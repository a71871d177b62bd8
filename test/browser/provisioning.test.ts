import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newConsole, signIn } from './support/browser.ts';
import { createLicence, setPasswordByApi, startServer, type RunningServer } from './support/server.ts';

// Licence settings → Provisioning: an admin gives their identity provider a SCIM token, sees it
// once, watches it being used, and revokes it.

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

const scimUsers = (token: string) => fetch(`${server.url}/scim/v2/Users?count=0`, { headers: { authorization: `Bearer ${token}` } });

const labels = {
  en: {
    settings: 'Licence settings',
    section: 'Provisioning (SCIM)',
    name: 'Name',
    configuration: 'Default rights configuration',
    user: 'User',
    group: 'Default entity group',
    create: 'Create token',
    done: 'I have copied it',
    never: 'Never',
    revoke: /^Revoke Entra ID$/,
    confirm: 'Revoke token',
    revokedOn: /Revoked on/,
    baseUrl: 'SCIM base URL',
  },
  fr: {
    settings: 'Paramètres de la licence',
    section: 'Provisionnement (SCIM)',
    name: 'Nom',
    configuration: 'Configuration de droits par défaut',
    user: 'Utilisateur',
    group: 'Groupe d’entités par défaut',
    create: 'Créer le jeton',
    done: 'Je l’ai copié',
    never: 'Jamais',
    revoke: /^Révoquer Entra ID$/,
    confirm: 'Révoquer le jeton',
    revokedOn: /Révoqué le/,
    baseUrl: 'URL de base SCIM',
  },
} as const;

const row = (page: Page, name: string) => page.getByRole('row', { name: new RegExp(`^${name}`) });

async function createUseAndRevoke(language: 'en' | 'fr') {
  const words = labels[language];
  const licence = await createLicence(server, { language });
  await setPasswordByApi(server, licence.admin.email);
  const { context, page } = await newConsole(browser, server, { locale: language === 'fr' ? 'fr-FR' : 'en-GB' });
  await signIn(page, licence.code, licence.admin.login, undefined, language);
  await page.getByRole('navigation').getByRole('link', { name: words.settings }).click();
  const section = page.getByRole('region', { name: words.section });
  await section.waitFor();
  const baseUrl = section.locator('dt', { hasText: words.baseUrl }).locator('xpath=following-sibling::dd[1]');
  expect(await baseUrl.innerText()).toBe(`${server.url}/scim/v2`);

  await section.getByLabel(words.name).fill('Entra ID');
  await section.getByLabel(words.configuration).selectOption({ label: words.user });
  await section.getByLabel(words.group).selectOption({ index: 1 });
  await section.getByRole('button', { name: words.create }).click();

  // Shown once: usable at once, gone from the page when the admin says it is copied.
  const shown = page.getByTestId('new-provisioning-token');
  const token = await shown.innerText();
  expect(token).toMatch(/^gps_/);
  await expect.poll(() => row(page, 'Entra ID').innerText()).toContain(words.never);
  expect((await scimUsers(token)).status).toBe(200);
  await section.getByRole('button', { name: words.done }).click();
  await shown.waitFor({ state: 'detached' });
  expect(await page.content()).not.toContain(token);

  // Its last use shows once the list is read again.
  await page.reload();
  await expect.poll(() => row(page, 'Entra ID').innerText()).not.toContain(words.never);

  await row(page, 'Entra ID').getByRole('button', { name: words.revoke }).click();
  await page.getByRole('dialog').getByRole('button', { name: words.confirm }).click();
  await expect.poll(() => row(page, 'Entra ID').innerText()).toMatch(words.revokedOn);
  expect((await scimUsers(token)).status).toBe(401);
  await context.close();
}

describe('provisioning in licence settings', () => {
  it('lets an admin create a token, see it once, and revoke it', async () => {
    await createUseAndRevoke('en');
  });

  it('says it all in French', async () => {
    await createUseAndRevoke('fr');
  });
});
