import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerConfirmations, expectNoSeriousA11yViolations, launchBrowser, LEAVE_UNSAVED, newConsole } from './support/browser.ts';
import { createLicence, createUser, PASSWORD, setPasswordByApi, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// The users' CSV in the console, as an admin uses it: export the list they see (tab and search), edit
// the file, check it (the dry run's rows and reasons in their language), fix it, import it.

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

const WORDS = {
  en: {
    export: 'Export CSV',
    import: 'Import CSV',
    file: 'CSV file',
    check: 'Check the file',
    search: 'Search users',
    login: 'Login',
    password: 'Password',
    signIn: 'Sign in',
    apply: (count: number) => `Import ${count} user${count === 1 ? '' : 's'}`,
    refused: 'Refused',
    create: 'Will be created',
    badEmail: 'E-mail: has the wrong format',
    done: '1 user imported',
    encoding: 'The file is not UTF-8 text',
    myAccount: 'My account',
    leave: LEAVE_UNSAVED,
  },
  fr: {
    export: 'Exporter en CSV',
    import: 'Importer un CSV',
    file: 'Fichier CSV',
    check: 'Vérifier le fichier',
    search: 'Rechercher des utilisateurs',
    login: 'Identifiant',
    password: 'Mot de passe',
    signIn: 'Se connecter',
    apply: (count: number) => `Importer ${count} utilisateur${count === 1 ? '' : 's'}`,
    refused: 'Refusée',
    create: 'Sera créé',
    badEmail: "E-mail: n'a pas le bon format",
    done: '1 utilisateur importé',
    encoding: "Le fichier n'est pas du texte UTF-8",
    myAccount: 'Mon compte',
    leave: 'Vos modifications ne sont pas enregistrées. Quitter cette page et les perdre ?',
  },
} as const;

async function setup(language: 'en' | 'fr'): Promise<LicenceFixture> {
  const licence = await createLicence(server, { language, name: language === 'fr' ? 'Boulangeries Dupain' : 'Acme Retail' });
  await setPasswordByApi(server, licence.admin.email);
  await createUser(server, licence, { login: 'claire', firstName: 'Claire', lastName: 'Lefèvre', email: `claire@${licence.code}.test`, configuration: 'Reviewer' });
  await createUser(server, licence, { login: 'cyril', firstName: 'Cyril', lastName: 'Roux', email: `cyril@${licence.code}.test`, configuration: 'User' });
  return licence;
}

/** Signs in with the password (the exact button: the sign-in page may offer other ways too). */
async function signIn(page: Page, words: (typeof WORDS)['en' | 'fr'], licence: string, login: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Licence').fill(licence);
  await page.getByLabel(words.login).fill(login);
  await page.getByLabel(words.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: words.signIn, exact: true }).click();
  await page.getByRole('navigation', { name: /Main menu|Menu principal/ }).waitFor();
}

/** Chooses a file in the import page and runs the dry run. */
async function check(page: Page, words: (typeof WORDS)['en' | 'fr'], name: string, content: Buffer) {
  await page.getByLabel(words.file, { exact: true }).setInputFiles({ name, mimeType: 'text/csv', buffer: content });
  await page.getByRole('button', { name: words.check }).click();
}

for (const language of ['en', 'fr'] as const) {
  const words = WORDS[language];
  describe(`users CSV in ${language === 'en' ? 'English' : 'French'}`, () => {
    it('exports the searched list, then imports the edited file after a dry run that explains the refusals', async () => {
      const licence = await setup(language);
      const { context, page } = await newConsole(browser, server, { locale: language === 'fr' ? 'fr-FR' : 'en-GB' });
      await signIn(page, words, licence.code, 'alice');
      await page.goto('/users');
      await page.getByRole('searchbox', { name: words.search }).fill('claire');
      await page.getByRole('link', { name: /Claire Lefèvre/ }).waitFor();
      await expect.poll(() => page.getByRole('link', { name: /Cyril Roux/ }).count()).toBe(0);

      // The export follows the search: Claire only, accents intact, with a byte order mark.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: words.export }).click()]);
      expect(download.suggestedFilename()).toBe('users-active.csv');
      const exported = await readFile((await download.path())!);
      expect([...exported.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const [header, claire, ...others] = exported.subarray(3).toString('utf8').trim().split(/\r?\n/);
      expect(header).toBe('login,firstName,lastName,email,mobile,language,gender,configuration,entityGroup,defaultEntity');
      expect(claire).toBe(`claire,Claire,Lefèvre,claire@${licence.code}.test,,en,,reviewer,Main,main`);
      expect(others).toEqual([]);

      // Edited as a spreadsheet would: a new colleague from Claire's row, and a row with a bad e-mail.
      const edited = [header, claire!.replaceAll('claire', 'chloe').replace('Claire', 'Chloé'), `bruno,Bruno,Petit,not-an-address,,${language},male,user,Main,main`].join('\r\n');
      await page.getByRole('button', { name: words.import }).click();
      await check(page, words, 'users.csv', Buffer.from(edited, 'utf8'));
      const rows = page.getByRole('table').getByRole('row');
      await expect.poll(() => rows.count()).toBe(3);
      expect(await rows.nth(1).innerText()).toContain(words.create);
      expect(await rows.nth(2).innerText()).toContain(words.refused);
      expect(await rows.nth(2).innerText()).toContain(words.badEmail);
      expect(await page.getByRole('button', { name: words.apply(1) }).isDisabled()).toBe(true);
      await expectNoSeriousA11yViolations(page, `users import (${language})`);

      // A file in another encoding is refused with a clear message.
      await check(page, words, 'latin1.csv', Buffer.from(edited, 'latin1'));
      await page.getByRole('alert').filter({ hasText: words.encoding }).waitFor();

      // A file chosen and not imported is not left unasked: staying keeps the page as it was.
      const { asked } = answerConfirmations(page);
      const menu = page.getByRole('navigation', { name: /Main menu|Menu principal/ });
      await menu.getByRole('link', { name: words.myAccount }).click();
      await expect.poll(() => asked).toEqual([words.leave]);
      await page.getByRole('alert').filter({ hasText: words.encoding }).waitFor();

      // Fixed: the bad row taken out, the file checks clean and imports.
      const fixed = edited.split('\r\n').slice(0, 2).join('\r\n');
      await check(page, words, 'users.csv', Buffer.from(fixed, 'utf8'));
      const apply = page.getByRole('button', { name: words.apply(1) });
      await expect.poll(() => apply.isEnabled()).toBe(true);
      await apply.click();
      await page.getByText(words.done).waitFor();
      // Imported, nothing is left to lose.
      await menu.getByRole('link', { name: words.myAccount }).click();
      await page.getByRole('heading', { name: words.myAccount, level: 1 }).waitFor();
      expect(asked).toHaveLength(1);

      const users: { items: { login: string; firstName: string }[] } = await server.operator('GET', `/licences/${licence.code}/users?q=chloe`);
      expect(users.items.map((user) => [user.login, user.firstName])).toEqual([['chloe', 'Chloé']]);
      const welcome = await server.messageTo(`chloe@${licence.code}.test`);
      expect(welcome.text).toMatch(/reset-password\?token=/);
      await context.close();
    });
  });
}
