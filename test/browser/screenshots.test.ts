import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http.ts';
import { launchBrowser, newConsole, screenshot } from './support/browser.ts';
import { createLicence, createUser, PASSWORD, setPasswordByApi, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// Every screen of the console, in English and in French, into docs/screenshots/<screen>.<lang>.png:
// a licence with a few people, API accounts, Transfer Box items, a support visit and some history,
// so that no screen is empty. Each screen is taken once what it shows has arrived.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;

type Lang = 'en' | 'fr';

const WORDS = {
  en: {
    signIn: 'Sign in',
    licence: 'Licence',
    login: 'Login',
    password: 'Password',
    myAccount: 'My account',
    users: 'Users',
    createUser: 'Create a user',
    settings: 'Licence settings',
    accesses: 'Licence accesses',
    audit: 'Audit trail',
    apiAccounts: 'API accounts',
    request: 'Request an API account',
    find: 'Find the user',
    holder: 'Holder',
    apiLogin: 'Login of the API account',
    delivery: "The password will go to the holder's Transfer Box.",
    transferBox: 'Transfer Box',
    operatorToken: 'Operator token',
    licences: 'Licences',
    requests: 'API account requests',
    tokens: 'Operator tokens',
    importCsv: 'Import CSV',
    csvFile: 'CSV file',
    checkFile: 'Check the file',
    applications: 'Applications',
  },
  fr: {
    signIn: 'Se connecter',
    licence: 'Licence',
    login: 'Identifiant',
    password: 'Mot de passe',
    myAccount: 'Mon compte',
    users: 'Utilisateurs',
    createUser: 'Créer un utilisateur',
    settings: 'Paramètres de la licence',
    accesses: 'Accès à la licence',
    audit: "Journal d'audit",
    apiAccounts: 'Comptes API',
    request: 'Demander un compte API',
    find: "Trouver l'utilisateur",
    holder: 'Titulaire',
    apiLogin: 'Identifiant du compte API',
    delivery: 'Le mot de passe ira dans la Transfer Box du titulaire.',
    transferBox: 'Transfer Box',
    operatorToken: "Jeton d'opérateur",
    licences: 'Licences',
    requests: 'Demandes de comptes API',
    tokens: 'Jetons d’opérateur',
    importCsv: 'Importer un CSV',
    csvFile: 'Fichier CSV',
    checkFile: 'Vérifier le fichier',
    applications: 'Applications',
  },
} as const;

/** The admin each language is seen through: the console speaks its user's language. */
const ADMIN: Record<Lang, string> = { en: 'alice', fr: 'amelie' };

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server, { name: 'Acme Retail' });
  await setPasswordByApi(server, licence.admin.email);
  const amelie = await createUser(server, licence, { login: 'amelie', firstName: 'Amélie', lastName: 'Durand', email: `amelie@${licence.code}.test`, configuration: 'Admin', language: 'fr', mobile: '+33611223344' });
  const grace = await createUser(server, licence, { login: 'grace', firstName: 'Grace', lastName: 'Hopper', email: `grace@${licence.code}.test`, configuration: 'User' });
  const rita = await createUser(server, licence, { login: 'rita', firstName: 'Rita', lastName: 'Moreau', email: `rita@${licence.code}.test`, configuration: 'Reviewer', mobile: '+33612345678' });
  await createUser(server, licence, { login: 'tom', firstName: 'Tom', lastName: 'Bernard', email: `tom@${licence.code}.test`, configuration: 'Advanced user', language: 'fr' });

  const alice = new HttpClient(server.url);
  const signedIn = await alice.post('/api/v1/auth/login', { licence: licence.code, login: 'alice', password: PASSWORD });
  alice.csrfToken = signedIn.body.csrfToken;
  const me = (await alice.get('/api/v1/me')).body;
  const configurations: { id: string; key: string }[] = (await alice.get('/api/v1/rights-configurations')).body;
  const groups: { id: string }[] = (await alice.get('/api/v1/entity-groups')).body;
  const byKey = (key: string) => configurations.find((configuration) => configuration.key === key)?.id;
  expect((await alice.patch(`/api/v1/users/${rita.id}`, { language: 'fr', gender: 'female' })).status).toBe(200);

  // API accounts: two delivered to the admins' Transfer Boxes, one to Grace's, one pending by SMS.
  for (const [login, holder] of [
    ['erp-ws', me.id],
    ['bi-webservice', amelie.id],
    ['crm-ws', grace.id],
  ] as const) {
    const filed = await alice.post('/api/v1/api-account-requests', { login, holder: { userId: holder } });
    expect(filed.status).toBe(201);
    await server.operator('POST', `/api-account-requests/${filed.body.id}/fulfil`, { configurationId: byKey('user'), entityGroupId: groups[0]?.id });
  }
  expect((await alice.post('/api/v1/api-account-requests', { login: 'shop-ws', holder: { userId: rita.id } })).status).toBe(201);

  // Password renewal every month, reminders 60 days ahead: the users list shows who is due soon. the users list shows who is due.
  expect((await alice.put('/api/v1/licence/password-renewal', { months: 1, reminderDays: 60 })).status).toBe(200);
  // An application registered by the vendor, for the operator console's Applications page.
  await server.operator('POST', '/applications', { name: 'Campaign studio', kind: 'web', redirectUris: ['https://studio.example.com/callback'], application: 'email-campaigns' });
  await server.operator('POST', '/applications', { name: 'Decision cache', kind: 'service', redirectUris: [], scopes: ['decisions:read'] });

  // A support visit, logged in the licence accesses and the audit trail.
  const visit = await server.operator('POST', `/licences/${licence.code}/support-sessions`, { ticket: 'SUP-1042', description: 'Checks the Transfer Box of a user', operator: 'Sam Carter' });
  const support = new HttpClient(server.url).withBearer(visit.sessionToken);
  expect((await support.patch(`/api/v1/users/${grace.id}`, { lastName: 'Hopper-Murray' })).status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Waits until the page has nothing left to load, then takes it whole. */
async function shoot(page: Page, screen: string, lang: Lang): Promise<void> {
  await page.waitForLoadState('networkidle');
  await expect.poll(() => page.getByText(/^(Loading…|Chargement…)$/).count()).toBe(0);
  await screenshot(page, `${screen}.${lang}`, { fullPage: true });
}

async function consoleScreens(lang: Lang): Promise<void> {
  const words = WORDS[lang];
  const { context, page } = await newConsole(browser, server, { locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });
  await page.goto('/sign-in');
  await page.getByRole('heading', { name: lang === 'fr' ? 'Connexion' : 'Sign in' }).waitFor();
  await page.getByLabel(words.licence).fill(licence.code);
  await page.getByLabel(words.login).fill(ADMIN[lang]);
  await shoot(page, 'sign-in', lang);
  await page.getByLabel(words.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: words.signIn, exact: true }).click();

  await page.getByRole('heading', { name: words.myAccount, level: 1 }).waitFor();
  await shoot(page, 'my-account', lang);

  await page.getByRole('link', { name: words.users, exact: true }).click();
  await page.getByRole('tabpanel').getByRole('link', { name: /Grace Hopper-Murray/ }).waitFor();
  await shoot(page, 'users-list', lang);
  await page.getByRole('tabpanel').getByRole('link', { name: /Grace Hopper-Murray/ }).click();
  await page.getByRole('heading', { name: 'Grace Hopper-Murray' }).waitFor();
  await shoot(page, 'user-detail', lang);
  await page.goto('/users/new');
  await page.getByRole('form', { name: words.createUser }).waitFor();
  await shoot(page, 'user-form', lang);

  // Importing users from a CSV file: the dry run's row-by-row report, one row refused.
  await page.goto('/users/import');
  const group = (await (await fetch(`${server.url}/operator/v1/licences/${licence.code}/entity-groups`, { headers: { authorization: `Bearer ${server.operatorToken}` } })).json()) as { name: string }[];
  const csv = `login,firstName,lastName,email,language,configuration,entityGroup\nnina,Nina,Simone,nina@example.test,en,user,${group[0]?.name}\nleo,Léo,Ferré,not-an-address,fr,user,${group[0]?.name}\n`;
  await page.getByLabel(words.csvFile, { exact: true }).setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: words.checkFile }).click();
  await page.getByRole('table').locator('tbody tr').nth(1).waitFor();
  await shoot(page, 'users-import', lang);

  // The file checked is left unimported, on purpose.
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('link', { name: words.settings }).click();
  await page.getByRole('heading', { name: words.settings, level: 1 }).waitFor();
  await shoot(page, 'licence-settings', lang);

  await page.getByRole('link', { name: words.accesses }).click();
  await page.getByRole('heading', { name: words.accesses, level: 1 }).waitFor();
  await page.getByRole('tabpanel').getByRole('row').nth(1).waitFor();
  await shoot(page, 'licence-accesses', lang);

  await page.getByRole('link', { name: words.audit }).click();
  await page.getByRole('table', { name: words.audit }).locator('tbody tr').first().waitFor();
  await shoot(page, 'audit-trail', lang);

  await page.getByRole('link', { name: words.apiAccounts }).click();
  await page.getByRole('heading', { name: words.apiAccounts, level: 1 }).waitFor();
  await page.getByRole('table', { name: lang === 'fr' ? 'Comptes' : 'Accounts' }).locator('tbody tr').first().waitFor();
  await shoot(page, 'api-accounts', lang);
  await page.getByRole('button', { name: words.request }).click();
  const form = page.getByRole('form', { name: words.request });
  await form.getByLabel(words.apiLogin).fill('reporting');
  await form.getByLabel(words.find).fill('Hopper');
  const grace = `Grace Hopper-Murray (grace) · grace@${licence.code}.test`;
  await expect.poll(() => form.getByLabel(words.holder).locator('option').allInnerTexts()).toContain(grace);
  await form.getByLabel(words.holder).selectOption({ label: grace });
  await form.getByText(words.delivery).waitFor();
  await shoot(page, 'api-account-request', lang);

  // The request is left unsent: the console asks first, and the answer is to leave.
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('link', { name: words.transferBox }).click();
  await page.getByRole('heading', { name: words.transferBox, level: 1 }).waitFor();
  await page.getByRole('row').nth(1).waitFor();
  await shoot(page, 'transfer-box', lang);
  await context.close();
}

async function operatorScreens(lang: Lang): Promise<void> {
  const words = WORDS[lang];
  const { context, page } = await newConsole(browser, server, { locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });
  await page.goto('/operator');
  await page.getByLabel(words.operatorToken).waitFor();
  await shoot(page, 'operator-sign-in', lang);
  await page.getByLabel(words.operatorToken).fill(server.operatorToken);
  await page.getByRole('button', { name: words.signIn }).click();
  await page.getByRole('heading', { name: words.licences, level: 1 }).waitFor();
  await page.getByRole('link', { name: licence.code }).waitFor();
  await shoot(page, 'operator-licences', lang);

  await page.goto(`/operator/licences/${licence.code}`);
  await page.getByRole('heading', { name: /Acme Retail/, level: 1 }).waitFor();
  await shoot(page, 'operator-licence', lang);

  await page.getByRole('link', { name: words.requests }).click();
  await page.getByRole('heading', { name: words.requests, level: 1 }).waitFor();
  await page.getByText('shop-ws').first().waitFor();
  await shoot(page, 'operator-api-account-requests', lang);

  await page.getByRole('link', { name: words.tokens }).click();
  await page.getByRole('heading', { name: words.tokens, level: 1 }).waitFor();
  await shoot(page, 'operator-tokens', lang);

  await page.getByRole('link', { name: words.applications, exact: true }).click();
  await page.getByRole('heading', { name: words.applications, level: 1 }).waitFor();
  await page.getByText('Campaign studio').first().waitFor();
  await shoot(page, 'operator-applications', lang);
  await context.close();
}

describe('screenshots of every screen', () => {
  for (const lang of ['en', 'fr'] as const) {
    it(`takes the console in ${lang === 'en' ? 'English' : 'French'}`, () => consoleScreens(lang));
    it(`takes the operator console in ${lang === 'en' ? 'English' : 'French'}`, () => operatorScreens(lang));
  }
});
