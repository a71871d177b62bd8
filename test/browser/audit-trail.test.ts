import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http.ts';
import { expectNoSeriousA11yViolations, launchBrowser, newConsole, signIn } from './support/browser.ts';
import { createLicence, createUser, PASSWORD, setPasswordByApi, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// The audit trail as an admin reads it: who acted by name (a support visit by its operator and
// ticket), field labels instead of field names, names instead of ids, languages as words, before →
// after at a glance, in English and in French.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server, { name: 'Acme Retail' });
  await setPasswordByApi(server, licence.admin.email);
  await createUser(server, licence, { login: 'amelie', firstName: 'Amélie', lastName: 'Durand', email: `amelie@${licence.code}.test`, configuration: 'Admin', language: 'fr' });
  const grace = await createUser(server, licence, { login: 'grace', firstName: 'Grace', lastName: 'Hopper', email: `grace@${licence.code}.test`, configuration: 'User' });
  const gone = await createUser(server, licence, { login: 'gone', firstName: 'Gaston', lastName: 'Parti', email: `gone@${licence.code}.test`, configuration: 'User' });

  // Alice changes Grace's configuration and language, and deletes Gaston, through the API as the console would.
  const alice = new HttpClient(server.url);
  const signedIn = await alice.post('/api/v1/auth/login', { licence: licence.code, login: 'alice', password: PASSWORD });
  alice.csrfToken = signedIn.body.csrfToken;
  const configurations: { id: string; key: string }[] = (await alice.get('/api/v1/rights-configurations')).body;
  const reviewer = configurations.find((configuration) => configuration.key === 'reviewer');
  expect((await alice.patch(`/api/v1/users/${grace.id}`, { configurationId: reviewer?.id, language: 'fr' })).status).toBe(200);
  expect((await alice.delete(`/api/v1/users/${gone.id}`)).status).toBe(204);

  // A support visit edits Grace's last name: it is theirs in the trail, with the ticket.
  const visit = await server.operator('POST', `/licences/${licence.code}/support-sessions`, { ticket: 'SUP-42', description: 'Fixes a typo', operator: 'Sam Carter' });
  const support = new HttpClient(server.url).withBearer(visit.sessionToken);
  expect((await support.patch(`/api/v1/users/${grace.id}`, { lastName: 'Hopper-Murray' })).status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The trail's rows as the reader sees them, one text per row (screen readers also hear "becomes" after each arrow). */
async function rows(page: Page): Promise<string[]> {
  const table = page.getByRole('table', { name: /Audit trail|Journal d'audit/ });
  await table.getByRole('row').nth(1).waitFor();
  return table.locator('tbody tr').allInnerTexts();
}

describe('the audit trail', () => {
  it('reads as words in English: names, labels, languages, before → after', async () => {
    const { context, page } = await newConsole(browser, server);
    await signIn(page, licence.code, 'alice');
    await page.getByRole('link', { name: 'Audit trail' }).click();
    const trail = await rows(page);
    const edit = trail.find((row) => row.includes('User edited') && row.includes('Rights configuration'));
    expect(edit).toBeDefined();
    expect(edit).toContain('Alice Martin');
    expect(edit).toContain('Grace Hopper-Murray (grace)');
    expect(edit).toMatch(/Rights configuration\s*User\s*→\s*(?:becomes|devient)?\s*Reviewer/);
    expect(edit).toMatch(/Language\s*English\s*→\s*(?:becomes|devient)?\s*French/);
    expect(edit).not.toMatch(/configurationId|[0-9a-f]{8}-[0-9a-f]{4}-/);

    const bySupport = trail.find((row) => row.includes('Hopper-Murray') && row.includes('Last name'));
    expect(bySupport).toContain('Sam Carter, vendor support, ticket SUP-42');
    expect(bySupport).toMatch(/Last name\s*Hopper\s*→\s*(?:becomes|devient)?\s*Hopper-Murray/);

    const deletion = trail.find((row) => row.includes('User deleted'));
    expect(deletion).toContain('gone (deleted)');
    expect(deletion).toMatch(/Rights configuration\s*User/);

    const creation = trail.find((row) => row.includes('Licence created'));
    expect(creation).toContain('Vendor operator (token “bootstrap”)');
    await expectNoSeriousA11yViolations(page, 'audit trail');
    await context.close();
  });

  it('reads as words in French', async () => {
    const { context, page } = await newConsole(browser, server, { locale: 'fr-FR' });
    await signIn(page, licence.code, 'amelie', PASSWORD, 'fr');
    await page.getByRole('link', { name: "Journal d'audit" }).click();
    const trail = await rows(page);
    const edit = trail.find((row) => row.includes('Configuration de droits') && row.includes('Réviseur'));
    expect(edit).toBeDefined();
    expect(edit).toMatch(/Configuration de droits\s*Utilisateur\s*→\s*(?:becomes|devient)?\s*Réviseur/);
    expect(edit).toMatch(/Langue\s*anglais\s*→\s*(?:becomes|devient)?\s*français/);
    expect(edit).toContain('Alice Martin');
    const bySupport = trail.find((row) => row.includes('Hopper-Murray') && row.includes('Nom'));
    expect(bySupport).toContain("Sam Carter, support de l'éditeur, ticket SUP-42");
    expect(trail.find((row) => row.includes('gone'))).toContain('gone (supprimé)');
    await context.close();
  });
});
