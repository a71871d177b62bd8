import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newConsole, signIn } from './support/browser.ts';
import { createLicence, createUser, setPasswordByApi, startServer, type LicenceFixture, type RunningServer } from './support/server.ts';

// Every screen of the users app, the settings, the public pages and the operator console, at desktop
// width and at 375 px: axe reports no violation at all (any impact), no control covers another,
// nothing is wider than the screen, the list and the detail stack, tables stack into cards; and the
// keyboard alone reaches every action of a flow.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;
let bobId: string;
const PHONE = 375;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server, { prefix: 'a11y' });
  await setPasswordByApi(server, licence.admin.email);
  bobId = (await createUser(server, licence, { login: 'bob', firstName: 'Bob', lastName: 'Durand', email: `bob@${licence.code}.test`, configuration: 'User' })).id;
  await createUser(server, licence, { login: 'camille', firstName: 'Camille', lastName: 'Lefèvre', email: `camille@${licence.code}.test`, configuration: 'Admin', language: 'fr' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  nodes: string[];
}

/** Every axe violation on the page as it stands, whatever its impact. */
async function axeViolations(page: Page, screen: string): Promise<string[]> {
  // Evaluated by the driver, not as an inline <script>: the console's Content-Security-Policy forbids those.
  await page.evaluate(axeSource);
  const violations: Violation[] = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as { axe: { run: (context: unknown, options: object) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> }; document: unknown };
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => node.target.join(' ')) }));
  });
  return violations.map((violation) => `${screen}: ${violation.id} (${violation.impact}) at ${violation.nodes.join(', ')}`);
}

/** Nothing sticks out of the screen sideways (a page that scrolls sideways is unusable on a phone). */
async function overflow(page: Page, screen: string): Promise<string[]> {
  const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement.scrollWidth);
  const viewport = page.viewportSize()?.width ?? 0;
  if (width <= viewport) return [];
  // Names the outermost elements that stick out, so a failure says where to look.
  const culprits = await page.evaluate((limit) => {
    type Box = { right: number };
    type Element = { getBoundingClientRect(): Box; tagName: string; className: string; parentElement: Element | null };
    const all = (globalThis as unknown as { document: { querySelectorAll(selector: string): Element[] } }).document.querySelectorAll('body *');
    const wide = [...all].filter((element) => element.getBoundingClientRect().right > limit + 1);
    return wide
      .filter((element) => !wide.includes(element.parentElement as Element) || element.parentElement?.getBoundingClientRect().right !== element.getBoundingClientRect().right)
      .slice(-3)
      .map((element) => `${element.tagName.toLowerCase()}.${String(element.className).split(' ').join('.')}`);
  }, viewport);
  return [`${screen}: the page is ${width}px wide in a ${viewport}px screen (${culprits.join(', ')})`];
}

/** No two visible controls (inputs, selects, buttons, links) cover each other: a field wider than its place runs under its neighbour. */
async function overlaps(page: Page, screen: string): Promise<string[]> {
  const pairs = await page.evaluate(() => {
    type Box = { left: number; right: number; top: number; bottom: number; width: number; height: number };
    type Element = { getBoundingClientRect(): Box; tagName: string; id: string; textContent: string | null; contains(other: Element): boolean; querySelectorAll(selector: string): Element[] };
    const { document } = globalThis as unknown as { document: Element & { querySelector(selector: string): Element | null } };
    // A modal dialog covers the page by design: only its own controls count then.
    const scope = document.querySelector('dialog[open]') ?? document;
    const controls = [...scope.querySelectorAll('input, select, textarea, button, a[href]')]
      .map((element) => ({ element, box: element.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 1 && box.height > 1);
    const name = (element: Element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''} "${(element.textContent ?? '').trim().slice(0, 20)}"`;
    const found: string[] = [];
    controls.forEach((a, i) =>
      controls.slice(i + 1).forEach((b) => {
        if (a.element.contains(b.element) || b.element.contains(a.element)) return;
        const across = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
        const down = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
        if (across > 1 && down > 1) found.push(`${name(a.element)} and ${name(b.element)}`);
      }),
    );
    return found;
  });
  return pairs.map((pair) => `${screen}: ${pair} overlap`);
}

async function check(page: Page, screen: string, found: string[]) {
  found.push(...(await axeViolations(page, screen)));
  found.push(...(await overlaps(page, screen)));
  if ((page.viewportSize()?.width ?? 0) <= PHONE) found.push(...(await overflow(page, screen)));
}

/** Opens each tab in turn, waits for what its panel shows, and checks the screen. */
async function checkTabs(page: Page, screen: string, found: string[], tabs: [tab: string, shown: string][]) {
  for (const [tab, shown] of tabs) {
    await page.getByRole('tab', { name: tab, exact: true }).click();
    await page.getByRole('tabpanel').getByText(shown).first().waitFor();
    await check(page, `${screen}, ${tab}`, found);
  }
}

async function signInOperator(page: Page) {
  await page.goto('/operator');
  await page.getByLabel('Operator token').fill(server.operatorToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Licences' }).waitFor();
}

for (const width of [1280, PHONE]) {
  describe(`every screen at ${width} px`, () => {
    it('has no axe violation in the public pages, the users app and the settings', async () => {
      const found: string[] = [];
      const { context, page } = await newConsole(browser, server, { width });
      await page.goto('/sign-in');
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await check(page, 'sign in', found);
      await page.goto('/forgot-password');
      await page.getByRole('heading', { name: 'Forgot your password?' }).or(page.getByRole('heading', { level: 1 })).first().waitFor();
      await check(page, 'forgot password', found);
      await page.goto('/reset-password?token=unknown');
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await check(page, 'reset password', found);

      await signIn(page, licence.code, 'alice');
      await page.getByRole('navigation').first().waitFor();
      await page.goto('/users');
      await page.getByRole('tabpanel').getByRole('link', { name: /Bob Durand/ }).waitFor();
      await check(page, 'users list', found);
      await page.getByRole('tabpanel').getByRole('link', { name: /Bob Durand/ }).click();
      await page.getByRole('heading', { name: 'Bob Durand', level: 2 }).waitFor();
      if (width <= PHONE) {
        // The list and the detail stack: the detail is below the list, not beside it.
        const list = await page.getByRole('complementary', { name: 'Users' }).boundingBox();
        const detail = await page.getByRole('heading', { name: 'Bob Durand', level: 2 }).boundingBox();
        expect(detail!.y).toBeGreaterThan(list!.y + list!.height - 1);
      }
      await check(page, 'user detail', found);
      await page.getByRole('button', { name: 'Edit' }).click();
      await page.getByRole('form', { name: /Edit bob/ }).waitFor();
      await check(page, 'user form', found);
      await page.goto('/users/new');
      await page.getByRole('form', { name: 'Create a user' }).getByRole('button', { name: 'Create the user' }).click();
      await page.locator('.field-error').first().waitFor();
      await check(page, 'user form with errors', found);
      await page.goto('/users');
      await page.getByRole('button', { name: 'More' }).click();
      await page.getByRole('menuitem', { name: 'Reset all passwords' }).click();
      await page.getByRole('dialog').getByLabel('Your current password').waitFor();
      await check(page, 'step-up confirmation', found);
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      await page.goto('/settings');
      await page.getByRole('switch', { name: 'Two-factor authentication' }).waitFor();
      await check(page, 'licence settings', found);
      await page.goto('/');
      await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
      await check(page, 'my account', found);
      await page.goto('/licence-accesses');
      // Alice's own sign-in is the first row.
      const accesses = page.getByRole('table', { name: 'Users' });
      await accesses.locator('tbody tr').first().waitFor();
      if (width <= PHONE) {
        // Each row stacks into a card whose cells say their column.
        const cell = accesses.locator('tbody td').first();
        expect(await cell.evaluate((element) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(element).display)).toBe('block');
        expect(await cell.getAttribute('data-label')).toBe('Date and time');
      }
      await check(page, 'licence accesses', found);
      await page.getByRole('tab', { name: 'Support' }).click();
      await page.getByText('No support visit in this period.').waitFor();
      await check(page, 'support visits', found);
      await page.goto('/api-accounts');
      await page.getByRole('heading', { name: 'API accounts', level: 1 }).waitFor();
      await check(page, 'API accounts', found);
      await page.getByRole('button', { name: 'Request an API account' }).click();
      await page.getByRole('heading', { name: 'Request an API account', level: 2 }).waitFor();
      await check(page, 'API account request form', found);
      await page.goto('/users/import');
      await page.getByRole('heading', { name: 'Import users from a CSV file', level: 2 }).waitFor();
      await check(page, 'users import', found);
      await page.goto('/audit');
      await page.getByRole('table', { name: 'Audit trail' }).locator('tbody tr').first().waitFor();
      await check(page, 'audit trail', found);
      await page.goto('/transfer-box');
      await page.getByText('Your Transfer Box is empty.').waitFor();
      await check(page, 'Transfer Box', found);
      expect(found).toEqual([]);
      await context.close();
    });

    it('has no axe violation in the operator console', async () => {
      const found: string[] = [];
      const { context, page } = await newConsole(browser, server, { width });
      await page.goto('/operator');
      await page.getByLabel('Operator token').waitFor();
      await check(page, 'operator sign in', found);
      await signInOperator(page);
      await check(page, 'operator licences', found);
      await page.getByRole('link', { name: licence.code }).click();
      await page.getByRole('heading', { name: /Acme Retail/ }).waitFor();
      await page.getByRole('tabpanel').or(page.locator('.card').first()).first().waitFor();
      await check(page, 'operator licence', found);
      // Every section of the licence, each with what it lists.
      await checkTabs(page, 'operator licence', found, [
        ['Rights configurations', 'Reviewer'],
        ['Users', 'Bob Durand'],
        ['API accounts', 'No API account yet.'],
        ['Support visit', 'Ticket'],
      ]);
      for (const [menu, screen] of [
        ['API account requests', 'operator API account requests'],
        ['Operator tokens', 'operator tokens'],
        ['Applications', 'operator applications'],
      ] as const) {
        await page.getByRole('link', { name: menu }).click();
        await page.getByRole('heading', { name: menu, level: 1 }).waitFor();
        await check(page, screen, found);
      }
      await page.getByRole('button', { name: 'Register an application' }).click();
      await page.getByRole('heading', { name: 'Register an application', level: 2 }).waitFor();
      await check(page, 'operator application form', found);
      expect(found).toEqual([]);
      await context.close();
    });
  });
}

// French words run longer than English ones: every page of the users app again, in French, on a phone.
it('fits a phone in French, every page of the users app', async () => {
  const found: string[] = [];
  const { context, page } = await newConsole(browser, server, { width: PHONE, locale: 'fr-FR' });
  await signIn(page, licence.code, 'camille', undefined, 'fr');
  await page.getByRole('navigation', { name: 'Menu principal' }).waitFor();
  // Each page, and what shows it has loaded.
  const pages: [path: string, shown: string][] = [
    ['/', 'Mon compte'],
    ['/users', 'Bob Durand'],
    [`/users/${bobId}`, 'Bob Durand'],
    ['/users/new', 'Créer un utilisateur'],
    ['/users/import', 'Importer des utilisateurs depuis un fichier CSV'],
    ['/licence-accesses', 'camille'],
    ['/api-accounts', 'Demander un compte API'],
    ['/audit', 'Camille Lefèvre'],
    ['/settings', 'Paramètres de la licence'],
    ['/transfer-box', 'Votre Transfer Box est vide.'],
  ];
  for (const [path, shown] of pages) {
    await page.goto(path);
    await page.getByRole('main').getByText(shown).first().waitFor();
    await check(page, `${path} in French`, found);
  }
  expect(found).toEqual([]);
  await context.close();
});

// The operator console speaks the browser's language: in French, on a phone.
it('fits a phone in French, every page of the operator console', async () => {
  const found: string[] = [];
  const { context, page } = await newConsole(browser, server, { width: PHONE, locale: 'fr-FR' });
  await page.goto('/operator');
  await page.getByLabel("Jeton d'opérateur").fill(server.operatorToken);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('link', { name: licence.code }).waitFor();
  await check(page, 'licences in French', found);
  await page.getByRole('link', { name: licence.code }).click();
  await page.getByRole('heading', { name: 'Entités', level: 2, exact: true }).waitFor();
  await check(page, 'licence in French', found);
  await checkTabs(page, 'licence in French', found, [
    ['Configurations de droits', 'Réviseur'],
    ['Utilisateurs', 'Bob Durand'],
    ['Comptes API', "Aucun compte API pour l'instant."],
    ['Intervention du support', 'Ouvrir une intervention du support'],
  ]);
  for (const [link, shown] of [
    ['Demandes de comptes API', 'Aucune demande en attente.'],
    ['Jetons d’opérateur', 'Aucun jeton d’opérateur'],
    ['Applications', 'Enregistrer une application'],
  ] as const) {
    await page.getByRole('link', { name: link, exact: true }).click();
    await page.getByRole('main').getByText(shown).first().waitFor();
    await check(page, `${link} in French`, found);
  }
  expect(found).toEqual([]);
  await context.close();
});

/** Presses Tab until the focused element has this accessible name; fails after `limit` presses. */
async function tabTo(page: Page, name: string | RegExp, limit = 60) {
  for (let press = 0; press < limit; press++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      type Focused = { textContent: string | null; labels?: { textContent: string | null }[] | null; getAttribute(name: string): string | null };
      const active = (globalThis as unknown as { document: { activeElement: Focused | null } }).document.activeElement;
      if (active === null) return '';
      const label = active.labels && active.labels.length > 0 ? active.labels[0]!.textContent : null;
      return (active.getAttribute('aria-label') ?? label ?? active.textContent ?? '').trim();
    });
    if (typeof name === 'string' ? focused === name : name.test(focused)) return;
  }
  throw new Error(`the keyboard never reached ${String(name)}`);
}

describe('the keyboard alone', () => {
  it('signs in, opens a user, edits them, deactivates them, opens the More menu and reactivates them', async () => {
    const { context, page } = await newConsole(browser, server);
    await page.goto('/sign-in');
    await page.getByLabel('Licence').focus();
    await page.keyboard.type(licence.code);
    await page.keyboard.press('Tab');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type('correct horse battery staple');
    await page.keyboard.press('Enter');
    await page.getByRole('navigation').first().waitFor();

    await tabTo(page, 'Users');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await tabTo(page, /Bob Durand/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Bob Durand', level: 2 }).waitFor();
    await tabTo(page, 'Edit');
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: /Edit bob/ });
    await form.waitFor();
    await tabTo(page, 'Gender');
    await form.getByLabel('Gender').selectOption({ label: 'Male' });
    await tabTo(page, 'Save');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.details').innerText()).toContain('Male');

    await tabTo(page, 'Deactivate');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.detail-sub').innerText()).toContain('Deactivated');
    await tabTo(page, /^More/);
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem').first().waitFor();
    await page.keyboard.press('Escape');
    await tabTo(page, 'Activate', 80);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.detail-sub').innerText()).toContain('Active');
    await context.close();
  });
});
