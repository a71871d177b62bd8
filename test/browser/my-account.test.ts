import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSeriousA11yViolations, launchBrowser, newConsole, signIn } from './support/browser.ts';
import { createLicence, PASSWORD, setPasswordByApi, startServer, uniqueCode, type LicenceFixture, type RunningServer } from './support/server.ts';

// My account as the help page "See my account" describes it: the gender, the default entity in green
// and bold, the last connection (the one before this one) below the sections, and the two-factor card
// saying what really protects the sign-in.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;
const smsCode = uniqueCode('sms');
const smsMobile = '+33611223344';

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server, { name: 'Acme Retail' });
  await setPasswordByApi(server, licence.admin.email);
  const configurations: { id: string; key: string }[] = await server.operator('GET', `/licences/${licence.code}/rights-configurations`);
  const groups: { id: string }[] = await server.operator('GET', `/licences/${licence.code}/entity-groups`);
  const reviewer = configurations.find((configuration) => configuration.key === 'reviewer');
  for (const person of [
    { login: 'claire', firstName: 'Claire', lastName: 'Dubois', gender: 'female', language: 'en' },
    { login: 'cyril', firstName: 'Cyril', lastName: 'Roux', gender: 'male', language: 'fr' },
  ]) {
    await server.operator('POST', `/licences/${licence.code}/users`, { ...person, email: `${person.login}@${licence.code}.test`, configurationId: reviewer?.id, entityGroupId: groups[0]?.id });
    await setPasswordByApi(server, `${person.login}@${licence.code}.test`);
  }
  await server.operator('POST', '/licences', {
    code: smsCode,
    name: 'Secure Bank',
    seatLimit: 5,
    twoFactor: true,
    admin: { login: 'victor', firstName: 'Victor', lastName: 'Hugo', email: `victor@${smsCode}.test`, language: 'en', mobile: smsMobile },
  });
  await setPasswordByApi(server, `victor@${smsCode}.test`);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const detail = (page: Page, term: string) => page.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]').innerText();

async function signOut(page: Page, label: RegExp) {
  await page.getByRole('button', { name: label }).click();
  await page.getByRole('heading', { name: /^(Sign in|Connexion)$/ }).waitFor();
}

describe('my account', () => {
  it('shows the gender, the default entity in green and bold, and the previous connection below the sections', async () => {
    const { context, page } = await newConsole(browser, server);
    await signIn(page, licence.code, 'claire');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    expect(await detail(page, 'Gender')).toBe('Female');
    expect(await detail(page, 'Rights configuration')).toBe('Reviewer');
    // The first connection has none before it: the current one is no news.
    await expect.poll(() => detail(page, 'Last connection')).toBe('Never');

    const defaultEntity = page.locator('.entity-default');
    const style = await defaultEntity.evaluate((element) => {
      // Runs in the page; the root tsconfig has no DOM types, hence globalThis.
      const computed = (globalThis as unknown as { getComputedStyle(node: unknown): { fontWeight: string; color: string } }).getComputedStyle(element);
      return { weight: computed.fontWeight, color: computed.color };
    });
    expect(Number(style.weight)).toBeGreaterThanOrEqual(700);
    expect(style.color).toBe('rgb(30, 107, 58)');

    // Below the sections, as the help places it.
    const lastConnectionTop = (await page.locator('dt', { hasText: 'Last connection' }).boundingBox())?.y ?? 0;
    for (const section of ['Personal information', 'My permissions', 'Two-factor authentication', 'Change my password']) {
      expect(lastConnectionTop).toBeGreaterThan((await page.getByRole('heading', { name: section }).boundingBox())?.y ?? Infinity);
    }
    await expectNoSeriousA11yViolations(page, 'my account');

    await signOut(page, /Sign out/);
    await signIn(page, licence.code, 'claire');
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await expect.poll(() => detail(page, 'Last connection')).toMatch(new RegExp(`${new Date().getFullYear()}.* at `));
    await context.close();
  });

  it('speaks French: "Sexe", the configuration by its French name', async () => {
    const { context, page } = await newConsole(browser, server, { locale: 'fr-FR' });
    await signIn(page, licence.code, 'cyril', PASSWORD, 'fr');
    await page.getByRole('heading', { name: 'Mon compte' }).waitFor();
    expect(await detail(page, 'Sexe')).toBe('Homme');
    expect(await detail(page, 'Configuration de droits')).toBe('Réviseur');
    await expect.poll(() => detail(page, 'Dernière connexion')).toBe('Jamais');
    await page.locator('.entity-default').getByText('Par défaut').waitFor();
    await context.close();
  });

  it("shows the licence's SMS two-factor, not Off, when that protects the account", async () => {
    const { context, page } = await newConsole(browser, server);
    const sentBefore = server.messages.length;
    await signIn(page, smsCode, 'victor');
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    const sms = await server.messageTo(smsMobile, { after: sentBefore, channel: 'sms' });
    await page.getByLabel('Code received by SMS').fill(/\b(\d{6})\b/.exec(sms.text)?.[1] ?? '');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    const card = page.getByRole('region', { name: 'Two-factor authentication' });
    await expect.poll(() => card.locator('.two-factor-status').innerText()).toBe(`On, by SMS The licence protects every sign-in with a code sent by SMS to your mobile (${smsMobile}).`);
    expect(await card.getByText('Off', { exact: true }).count()).toBe(0);
    await context.close();
  });
});
