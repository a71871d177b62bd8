import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { addMonths } from '../../src/core/password-renewal.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { DeliverableMessage } from '../../src/platform/messaging/transports.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { launchBrowser, newConsole } from './support/browser.ts';
import { PASSWORD, type RunningServer } from './support/server.ts';

// The renewal journey needs months to pass: this file serves the built console from a server in
// the test's own process, over a test database, so that the test moves the server's clock.

let app: App;
let database: TestDatabase;
let browser: Browser;
let server: Pick<RunningServer, 'url'>;
let now = new Date();
const sent: DeliverableMessage[] = [];
const code = `renew-${process.pid}`;
const operatorToken = randomBytes(24).toString('hex');

async function api(method: string, route: string, body?: unknown, bearer = operatorToken) {
  const answer = await fetch(`${server.url}${route}`, {
    method,
    headers: { Authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${method} ${route} → ${answer.status}: ${text}`);
  return text === '' ? null : JSON.parse(text);
}

/** Sets a password from the newest e-mailed link, through the API. */
async function setPassword(email: string) {
  await app.outbox.deliverDue();
  const message = sent.filter((item) => item.to === email).at(-1);
  const token = decodeURIComponent(/reset-password\?token=([A-Za-z0-9_%-]+)/.exec(message?.text ?? '')?.[1] ?? '');
  const answer = await fetch(`${server.url}/api/v1/auth/password-reset/complete`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token, password: PASSWORD }) });
  expect(answer.status).toBe(204);
}

beforeAll(async () => {
  database = await createTestDatabase();
  // The public URL must be the address the browser uses: unsafe requests from another origin are refused.
  const probe = await import('node:net').then(({ createServer }) => createServer());
  const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
  await new Promise((resolve) => probe.close(resolve));
  const config = loadConfig({ PORT: String(port), GATEHOUSE_PUBLIC_URL: `http://localhost:${port}`, GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: operatorToken, GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'), GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn' });
  const keep = { send: async (message: DeliverableMessage) => void sent.push(message) };
  app = await buildApp({ config, database: database.handle, logger: createLogger(config.logLevel), transports: { email: keep, sms: keep }, now: () => now, serveConsole: true });
  (app.context as { now: () => Date }).now = () => now;
  await app.server.listen({ port, host: '127.0.0.1' });
  server = { url: `http://localhost:${port}` };
  browser = await launchBrowser();

  await api('POST', '/operator/v1/licences', { code, name: 'Renewal Co', seatLimit: 10, admin: { login: 'ada', firstName: 'Ada', lastName: 'Admin', email: `ada@${code}.test`, language: 'en' } });
  await setPassword(`ada@${code}.test`);
  const configurations: { id: string; key: string }[] = await api('GET', `/operator/v1/licences/${code}/rights-configurations`);
  const groups: { id: string }[] = await api('GET', `/operator/v1/licences/${code}/entity-groups`);
  const reviewer = configurations.find((configuration) => configuration.key === 'reviewer')?.id;
  for (const person of [
    { login: 'claire', firstName: 'Claire', lastName: 'Dubois', language: 'en' },
    { login: 'cyril', firstName: 'Cyril', lastName: 'Roux', language: 'fr' },
  ]) {
    await api('POST', `/operator/v1/licences/${code}/users`, { ...person, email: `${person.login}@${code}.test`, configurationId: reviewer, entityGroupId: groups[0]?.id });
    await setPassword(`${person.login}@${code}.test`);
  }
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.drop();
});

const SIGN_IN = { en: { login: 'Login', password: 'Password', submit: 'Sign in' }, fr: { login: 'Identifiant', password: 'Mot de passe', submit: 'Se connecter' } };

/** The sign-in form, its own submit button named exactly (the page offers a passkey button too). */
async function signIn(page: Page, licence: string, login: string, password = PASSWORD, language: 'en' | 'fr' = 'en') {
  const labels = SIGN_IN[language];
  await page.goto('/sign-in');
  await page.getByLabel('Licence').fill(licence);
  await page.getByLabel(labels.login).fill(login);
  await page.getByLabel(labels.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: labels.submit, exact: true }).click();
}

/** Chooses the new password on the page the console holds the person on. */
async function changeOnHoldPage(page: Page, labels: { current: string; new: string; again: string; submit: string }, password: string) {
  await page.getByLabel(labels.current).fill(PASSWORD);
  await page.getByLabel(labels.new, { exact: true }).fill(password);
  await page.getByLabel(labels.again).fill(password);
  await page.getByRole('button', { name: labels.submit }).click();
}

describe('password renewal', () => {
  const due = addMonths(now, 3);

  it('is set by the admin in Licence settings, and the users list shows who is due soon', async () => {
    const { context, page } = await newConsole(browser, server as RunningServer);
    await signIn(page, code, 'ada');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.goto('/settings');
    await page.getByRole('heading', { name: 'Password renewal' }).waitFor();
    await page.getByLabel('Renew passwords').selectOption({ label: 'Every 3 months' });
    await page.getByLabel('Reminder, days before').fill('10');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Password renewal saved').waitFor();
    expect(await api('GET', '/operator/v1/audit-events?licence=' + code + '&action=licence.update').then((page: { items: { after: object }[] }) => page.items[0]?.after)).toEqual({ passwordRenewalMonths: 3, passwordRenewalReminderDays: 10 });

    // Within the reminder days: the list says whose password is due, and when.
    now = new Date(due.getTime() - 5 * 86_400_000);
    await signIn(page, code, 'ada');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.goto('/users');
    const claire = page.getByRole('link', { name: /Claire Dubois/ });
    await expect.poll(() => claire.innerText()).toMatch(new RegExp(`Password due .*${due.getUTCFullYear()}`));
    await context.close();
  });

  it('holds a user past the date on the change page until they choose a new password, then opens the console', async () => {
    now = new Date(due.getTime() + 3_600_000);
    const { context, page } = await newConsole(browser, server as RunningServer);
    await signIn(page, code, 'claire');
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    // A reload stays on it: the session itself is limited to the change.
    await page.reload();
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    // One of the last five is refused, with the server's reason beside the field.
    await changeOnHoldPage(page, { current: 'Current password', new: 'New password', again: 'New password again', submit: 'Change my password' }, PASSWORD);
    await page.getByText('Must differ from your last five passwords.').waitFor();
    await changeOnHoldPage(page, { current: 'Current password', new: 'New password', again: 'New password again', submit: 'Change my password' }, 'a fresh spring passphrase');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.getByRole('navigation', { name: 'Main menu' }).waitFor();
    await context.close();
  });

  it('speaks French to a French reader', async () => {
    const { context, page } = await newConsole(browser, server as RunningServer, { locale: 'fr-FR' });
    await signIn(page, code, 'cyril', PASSWORD, 'fr');
    await page.getByRole('heading', { name: 'Choisissez un nouveau mot de passe' }).waitFor();
    await changeOnHoldPage(page, { current: 'Mot de passe actuel', new: 'Nouveau mot de passe', again: 'Nouveau mot de passe, à nouveau', submit: 'Changer mon mot de passe' }, 'une phrase de passe toute neuve');
    await page.getByRole('heading', { name: 'Mon compte' }).waitFor();
    await context.close();
  });
});
