import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSeriousA11yViolations, launchBrowser, newConsole } from './support/browser.ts';
import { startServer, type RunningServer } from './support/server.ts';

// An operator registers one of the platform's applications in the operator console, copies its
// client secret (shown once), renews it and deletes the application; then once more in French.

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

const LABELS = {
  en: { token: 'Operator token', signIn: 'Sign in', home: 'Licences' },
  fr: { token: "Jeton d'opérateur", signIn: 'Se connecter', home: 'Licences' },
};

async function signInOperator(page: Page, language: 'en' | 'fr') {
  await page.goto('/operator');
  await page.getByLabel(LABELS[language].token).fill(server.operatorToken);
  await page.getByRole('button', { name: LABELS[language].signIn }).click();
  await page.getByRole('heading', { name: LABELS[language].home, exact: true }).waitFor();
}

const secretOf = async (page: Page) => (await page.getByTestId('new-client-secret').textContent())?.trim() ?? '';

describe('the operator console’s applications', () => {
  it('registers a web application, shows its secret once, renews it, and deletes it', async () => {
    const { context, page } = await newConsole(browser, server);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await signInOperator(page, 'en');
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('heading', { name: 'Applications', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Register an application' }).click();
    const form = page.getByRole('form', { name: 'Register an application' });
    // A plain-http redirect URI off this machine is refused, on its line.
    await form.getByLabel('Name').fill('Campaign studio');
    await form.getByLabel('Redirect URIs', { exact: true }).fill('https://studio.example.com/callback\nhttp://studio.example.com/callback');
    await form.getByLabel('Catalog application').selectOption({ label: 'E-mail campaigns › E-mail campaigns' });
    // ID tokens are signed RS256 unless chosen otherwise; a service, which receives none, is not asked.
    expect(await form.getByLabel('ID token signature').inputValue()).toBe('RS256');
    await form.getByText('Every OpenID client accepts it.').waitFor();
    await form.getByLabel('Kind').selectOption({ label: 'Service' });
    expect(await form.getByLabel('ID token signature').count()).toBe(0);
    await form.getByLabel('Kind').selectOption({ label: 'Web application' });
    await form.getByRole('button', { name: 'Register' }).click();
    await form.getByText('Line 2: Must use https (plain http only on localhost, 127.0.0.1 or [::1]).').waitFor();
    await expectNoSeriousA11yViolations(page, 'register an application, refused');
    expect((await server.operator('GET', '/applications')).items).toEqual([]);

    await form.getByLabel('Redirect URIs', { exact: true }).fill('https://studio.example.com/callback\nhttp://localhost:3000/callback');
    await form.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'Application “Campaign studio” registered' }).waitFor();
    const secret = await secretOf(page);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.getByRole('button', { name: 'Copy the secret' }).click();
    await page.getByText('Secret copied').waitFor();
    await expectNoSeriousA11yViolations(page, 'application secret shown once');
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(secret);

    const [registered] = (await server.operator('GET', '/applications')).items;
    expect(registered).toMatchObject({ name: 'Campaign studio', kind: 'web', redirectUris: ['https://studio.example.com/callback', 'http://localhost:3000/callback'], application: 'email-campaigns.campaigns', idTokenSigningAlg: 'RS256' });
    expect(JSON.stringify(registered)).not.toContain(secret);

    // Once dismissed, the secret is gone from the page for good.
    await page.getByRole('button', { name: 'I have copied it' }).click();
    const row = page.getByRole('row', { name: /Campaign studio/ });
    await row.getByText(registered.clientId).waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);

    // Renewing asks first, then shows the new secret once.
    await row.getByRole('button', { name: 'Renew the secret Campaign studio' }).click();
    const rotate = page.getByRole('dialog', { name: 'Renew the secret of “Campaign studio”?' });
    await rotate.getByRole('button', { name: 'Renew it' }).click();
    await page.getByRole('heading', { name: 'New secret for “Campaign studio”' }).waitFor();
    const renewed = await secretOf(page);
    expect(renewed).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(renewed).not.toBe(secret);
    expect((await server.operator('GET', `/applications/${registered.id}`)).secretRotatedAt).toEqual(expect.any(String));
    await page.getByRole('button', { name: 'I have copied it' }).click();

    // Edited: the kind stays, the rest changes.
    await row.getByRole('button', { name: 'Edit Campaign studio' }).click();
    const edit = page.getByRole('form', { name: 'Edit “Campaign studio”' });
    expect(await edit.getByLabel('Kind').isDisabled()).toBe(true);
    await edit.getByLabel('Name').fill('Campaign studio 2');
    await edit.getByLabel('ID token signature').selectOption({ label: 'ES256' });
    await edit.getByText('Smaller and faster; the application\'s OpenID library must accept it.').waitFor();
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Application “Campaign studio 2” saved').waitFor();
    expect(await server.operator('GET', `/applications/${registered.id}`)).toMatchObject({ name: 'Campaign studio 2', idTokenSigningAlg: 'ES256' });
    // Opened again, the form shows the choice saved.
    await page.getByRole('row', { name: /Campaign studio 2/ }).getByRole('button', { name: 'Edit Campaign studio 2' }).click();
    expect(await page.getByRole('form', { name: 'Edit “Campaign studio 2”' }).getByLabel('ID token signature').inputValue()).toBe('ES256');
    await page.getByRole('button', { name: 'Cancel' }).click();

    // Deleting asks first.
    await page.getByRole('row', { name: /Campaign studio 2/ }).getByRole('button', { name: 'Delete Campaign studio 2' }).click();
    const remove = page.getByRole('dialog', { name: 'Delete the application “Campaign studio 2”?' });
    await remove.getByRole('button', { name: 'Delete it' }).click();
    await page.getByText('No application registered yet.').waitFor();
    expect((await server.operator('GET', '/applications')).items).toEqual([]);
    await context.close();
  });

  it('speaks French: a native application needs no secret; an operator token for decisions only', async () => {
    const { context, page } = await newConsole(browser, server, { locale: 'fr-FR' });
    await signInOperator(page, 'fr');
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('button', { name: 'Enregistrer une application' }).click();
    const form = page.getByRole('form', { name: 'Enregistrer une application' });
    await form.getByLabel('Nom').fill('Appli mobile');
    await form.getByLabel('Type').selectOption({ label: 'Application native' });
    await form.getByLabel('URI de redirection', { exact: true }).fill('com.example.app:/callback#x');
    await form.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await form.getByText('Ligne 1 : Ne doit pas avoir de #fragment.').waitFor();
    await form.getByLabel('URI de redirection', { exact: true }).fill('com.example.app:/callback');
    await form.getByLabel('Signature des jetons d’identité').selectOption('ES256');
    await form.getByText('Plus compacte et plus rapide ; la bibliothèque OpenID de l’application doit l’accepter.').waitFor();
    await form.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.getByRole('heading', { name: 'Application « Appli mobile » enregistrée' }).waitFor();
    await page.getByText('Cette application n’a pas de secret : elle se connecte avec PKCE.').waitFor();
    expect(await page.getByTestId('new-client-secret').count()).toBe(0);
    await page.getByRole('button', { name: 'Fermer' }).click();
    await page.getByRole('row', { name: /Appli mobile/ }).getByText('Aucun (PKCE)').waitFor();
    expect((await server.operator('GET', '/applications')).items.find((application: { name: string }) => application.name === 'Appli mobile')).toMatchObject({ kind: 'native', idTokenSigningAlg: 'ES256' });

    await page.getByRole('link', { name: 'Jetons d’opérateur' }).click();
    await page.getByLabel('Tous les droits d’opérateur').uncheck();
    await page.getByLabel('Demander des décisions').check();
    await page.getByLabel('Nom').fill('service de décisions');
    await page.getByRole('button', { name: 'Créer le jeton' }).click();
    await page.getByTestId('new-operator-token').waitFor();
    await page.getByRole('row', { name: /service de décisions/ }).getByText('Demander des décisions').waitFor();
    const tokens = (await server.operator('GET', '/operator-tokens')).items;
    expect(tokens.find((token: { name: string }) => token.name === 'service de décisions').scopes).toEqual(['decisions:read']);
    await context.close();
  });
});
