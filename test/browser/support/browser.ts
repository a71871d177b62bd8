import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { PASSWORD, ROOT, type RunningServer } from './server.ts';

// Debian's Chromium driven by playwright-core, and the few gestures every journey repeats.

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function newConsole(browser: Browser, server: RunningServer, options: { locale?: string; width?: number } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: server.url,
    locale: options.locale ?? 'en-GB',
    timezoneId: 'Europe/Paris',
    viewport: { width: options.width ?? 1280, height: 860 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/** Opens a welcome or reset link and sets the password through the console's page. */
export async function setPasswordFromLink(page: Page, link: string, password = PASSWORD, labels = { password: 'New password', again: 'New password again', submit: 'Set the password' }): Promise<void> {
  await page.goto(link);
  await page.getByLabel(labels.password, { exact: true }).fill(password);
  await page.getByLabel(labels.again, { exact: true }).fill(password);
  await page.getByRole('button', { name: labels.submit }).click();
  // Either the confirmation or an error: say which, so a failing journey tells why.
  await page.locator('.alert, .field-error').first().waitFor();
  const error = page.locator('.alert-error, .field-error');
  if ((await error.count()) > 0) throw new Error(`setting the password failed: ${await error.first().innerText()}`);
}

/** The sign-in page's words, in the language the browser's locale gives it. */
const SIGN_IN_LABELS = {
  en: { login: 'Login', password: 'Password', submit: 'Sign in' },
  fr: { login: 'Identifiant', password: 'Mot de passe', submit: 'Se connecter' },
};

export async function signIn(page: Page, licence: string, login: string, password = PASSWORD, language: keyof typeof SIGN_IN_LABELS = 'en'): Promise<void> {
  const labels = SIGN_IN_LABELS[language];
  await page.goto('/sign-in');
  await page.getByLabel('Licence').fill(licence);
  await page.getByLabel(labels.login).fill(login);
  await page.getByLabel(labels.password, { exact: true }).fill(password);
  // Exactly: the page also offers "Sign in with a passkey".
  await page.getByRole('button', { name: labels.submit, exact: true }).click();
}

/** What the console asks before unsaved changes are left, in English. */
export const LEAVE_UNSAVED = 'Your changes are not saved. Leave this page and lose them?';

/**
 * Records every confirmation the page asks (`asked`, their messages in order) and answers each as
 * `answer` says when it comes: 'stay' dismisses it, 'leave' accepts it.
 */
export function answerConfirmations(page: Page, answer: 'stay' | 'leave' = 'stay'): { asked: string[]; answer: 'stay' | 'leave' } {
  const confirmations = { asked: [] as string[], answer };
  page.on('dialog', (dialog) => {
    confirmations.asked.push(dialog.message());
    void (confirmations.answer === 'stay' ? dialog.dismiss() : dialog.accept());
  });
  return confirmations;
}

/** The labels of the left menu, in order. */
export async function menuEntries(page: Page): Promise<string[]> {
  const menu = page.getByRole('navigation', { name: /Main menu|Menu principal/ });
  await menu.waitFor();
  return menu.getByRole('link').allInnerTexts();
}

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: path.join(ROOT, 'docs', 'screenshots', `${name}.png`), fullPage: options.fullPage ?? false });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core on the page as it stands and fails on any serious or critical violation. */
export async function expectNoSeriousA11yViolations(page: Page, screen: string): Promise<void> {
  // Evaluated through the DevTools protocol, not as an inline <script>: the console's CSP forbids those, rightly.
  await page.evaluate(axeSource);
  // The function runs in the page, where axe-core now lives; the root tsconfig has no DOM types, hence globalThis.
  const violations: AxeViolation[] = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as { axe: { run: (context: unknown, options: object) => Promise<{ violations: AxeViolation[] }> }; document: unknown };
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.map((node) => ({ target: node.target })) }));
  });
  const serious = violations.filter((violation: AxeViolation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(serious.map((violation: AxeViolation) => `${screen}: ${violation.id} (${violation.impact}) ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}
