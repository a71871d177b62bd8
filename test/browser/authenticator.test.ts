import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../src/core/totp.ts';
import { answerConfirmations, expectNoSeriousA11yViolations, launchBrowser, LEAVE_UNSAVED, newConsole, signIn } from './support/browser.ts';
import { createLicence, createUser, PASSWORD, ROOT, setPasswordByApi, startServer, uniqueCode, type LicenceFixture, type RunningServer } from './support/server.ts';

// A user sets up an authenticator app in My account, signs in with its code, and removes it; with
// SMS two-factor on as well, the sign-in offers an SMS instead. Then the audit trail's filters.

let server: RunningServer;
let browser: Browser;
let licence: LicenceFixture;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  licence = await createLicence(server, { prefix: 'totp' });
  await setPasswordByApi(server, licence.admin.email);
  await createUser(server, licence, { login: 'bruno', firstName: 'Bruno', lastName: 'Petit', email: `bruno@${licence.code}.test`, configuration: 'User' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The code the app would show, `offsetSeconds` from now (a code already spent is refused, so sign-in takes the next one). */
const appCode = (secret: string, offsetSeconds = 0) => totp(base32Decode(secret), new Date(Date.now() + offsetSeconds * 1000));

/** From My account: password, key, first code. Answers the key as typed into an app. */
async function setUpApp(page: Page, options: { screenshot?: string } = {}): Promise<string> {
  await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  // No app yet: the card offers one (under the licence's SMS two-factor it says that protects the account, not "Off").
  await expect.poll(() => section.innerText()).toMatch(/No authenticator app is set up|On, by SMS/);
  await section.getByRole('button', { name: 'Set up an authenticator app' }).click();

  await section.getByLabel('Your password').fill('not my password');
  await section.getByRole('button', { name: 'Continue' }).click();
  await expect.poll(() => section.locator('.field-error').innerText()).toBe('This password is not right.');
  await section.getByLabel('Your password').fill(PASSWORD);
  await section.getByRole('button', { name: 'Continue' }).click();

  const shown = await section.locator('.totp-secret').innerText();
  expect(shown).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
  const secret = shown.replaceAll(' ', '');
  const link = section.getByRole('link', { name: 'Open the set-up link in the authenticator app' });
  expect(await link.getAttribute('href')).toMatch(new RegExp(`^otpauth://totp/.+secret=${secret}`));
  expect(await section.getByLabel('Set-up link').inputValue()).toBe(await link.getAttribute('href'));
  await expectNoSeriousA11yViolations(page, 'authenticator set-up');
  if (options.screenshot) await section.screenshot({ path: path.join(ROOT, 'docs', 'screenshots', `${options.screenshot}.png`) });

  // A code of ten minutes ago is no code of now.
  await section.getByLabel('Code from the app').fill(appCode(secret, -600));
  await section.getByRole('button', { name: 'Turn on' }).click();
  await expect.poll(() => section.locator('.field-error').innerText()).toContain('This is not the current code of the app');
  await section.getByLabel('Code from the app').fill(appCode(secret));
  await section.getByRole('button', { name: 'Turn on' }).click();
  await expect.poll(() => page.locator('.toasts').innerText()).toContain('The authenticator app is set up');
  await expect.poll(() => section.innerText()).toContain('An authenticator app is set up');
  return secret;
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

async function removeApp(page: Page) {
  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  await section.getByRole('button', { name: 'Remove the authenticator app' }).click();
  await section.getByLabel('Your password').fill(PASSWORD);
  await section.getByRole('button', { name: 'Remove the app' }).click();
  await expect.poll(() => page.locator('.toasts').innerText()).toContain('The authenticator app is removed');
  await expect.poll(() => section.innerText()).toContain('No authenticator app is set up');
}

describe('an authenticator app as second factor', () => {
  it('is set up in My account, asked at sign-in, then removed', async () => {
    const { context, page } = await newConsole(browser, server);
    await signIn(page, licence.code, 'bruno');
    // An enrolment begun (the key perhaps already in the app) is not left unasked; cancelling it is.
    const { asked } = answerConfirmations(page);
    const section = page.getByRole('region', { name: 'Two-factor authentication' });
    await section.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await section.getByLabel('Your password').fill(PASSWORD);
    await section.getByRole('button', { name: 'Continue' }).click();
    await section.locator('.totp-secret').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => asked).toEqual([LEAVE_UNSAVED]);
    await section.getByRole('button', { name: 'Cancel' }).click();

    const secret = await setUpApp(page, { screenshot: 'authenticator-set-up.en' });
    // Set up, nothing is left to lose: signing out does not ask.
    await signOut(page);
    expect(asked).toHaveLength(1);

    await signIn(page, licence.code, 'bruno');
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await page.getByText('Open your authenticator app and type the 6-digit code').waitFor();
    // No SMS two-factor in this licence: the app is the only way.
    expect(await page.getByRole('button', { name: /SMS/ }).count()).toBe(0);
    await expectNoSeriousA11yViolations(page, 'second factor with an app');
    await page.getByLabel('Code from your authenticator app').fill(appCode(secret, 30));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();

    await removeApp(page);
    await signOut(page);
    await signIn(page, licence.code, 'bruno');
    await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
    await context.close();
  });

  it('offers an SMS instead when the licence has SMS two-factor on', async () => {
    const code = uniqueCode('totp-sms');
    const mobile = '+33698765432';
    const email = `rosa@${code}.test`;
    await server.operator('POST', '/licences', {
      code,
      name: 'Secure Mutual',
      seatLimit: 5,
      twoFactor: true,
      admin: { login: 'rosa', firstName: 'Rosa', lastName: 'Bonheur', email, language: 'en', mobile },
    });
    await setPasswordByApi(server, email);
    const { context, page } = await newConsole(browser, server);

    const readSms = async (after: number) => /\b(\d{6})\b/.exec((await server.messageTo(mobile, { after, channel: 'sms' })).text)?.[1] ?? '';
    let sent = server.messages.length;
    await signIn(page, code, 'rosa');
    await page.getByLabel('Code received by SMS').fill(await readSms(sent));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await setUpApp(page);
    await signOut(page);

    sent = server.messages.length;
    await signIn(page, code, 'rosa');
    await page.getByLabel('Code from your authenticator app').waitFor();
    // Alongside an app, the SMS goes only when asked for. The outbox delivers oldest first, so once
    // the asked-for SMS is in, one sent at sign-in would be in before it: there must be just the one.
    await page.getByRole('button', { name: 'Send me a code by SMS instead' }).click();
    const smsCode = await readSms(sent);
    expect(server.messages.slice(sent).filter((message) => message.to === mobile)).toHaveLength(1);
    await page.getByText('A code is on its way to your mobile by SMS.').waitFor();
    await page.getByLabel('Code received by SMS').fill(smsCode);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
    await context.close();
  });
});

describe('the audit trail', () => {
  it('narrows the list by action, by who, and by day', async () => {
    const { context, page } = await newConsole(browser, server);
    await signIn(page, licence.code, licence.admin.login);
    await page.getByRole('link', { name: 'Audit trail' }).click();
    const rows = page.getByRole('table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(1);
    const all = await rows.count();
    const actionsShown = await page.getByRole('table').locator('tbody tr td:nth-child(3)').allInnerTexts();
    expect(actionsShown).toContain('User created');
    expect(actionsShown.filter((action) => action !== 'User created').length).toBeGreaterThan(0);

    await page.getByLabel('What').selectOption({ label: 'User created' });
    await expect.poll(async () => new Set(await page.getByRole('table').locator('tbody tr td:nth-child(3)').allInnerTexts())).toEqual(new Set(['User created']));
    expect(await rows.count()).toBeLessThan(all);
    await expectNoSeriousA11yViolations(page, 'audit trail filtered');

    await page.getByLabel('Who').fill('nobody-here');
    await page.getByText('No change matches these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await expect.poll(() => rows.count()).toBe(all);

    // Tomorrow onwards holds nothing yet; today holds it all (days as the browser, in Paris, counts them).
    const day = (offset: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(Date.now() + offset * 86_400_000));
    await page.getByLabel('From').fill(day(1));
    await page.getByText('No change matches these filters.').waitFor();
    await page.getByLabel('From').fill(day(0));
    await page.getByLabel('To').fill(day(0));
    await expect.poll(() => rows.count()).toBe(all);
    await context.close();
  });
});
