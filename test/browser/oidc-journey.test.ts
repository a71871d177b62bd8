import type { Server } from 'node:http';
import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelyingParty } from '../../examples/relying-party/app.ts';
import { launchBrowser, newConsole, signIn } from './support/browser.ts';
import { createUser, PASSWORD, setPasswordByApi, startServer, uniqueCode, type RunningServer } from './support/server.ts';

// The example application signs a person in with Gatehouse (SMS two-factor), shows who they are and
// asks a decision with their token; the admin deactivates them in the console; the application's
// next refresh fails and Gatehouse's back-channel logout reaches it.

let server: RunningServer;
let browser: Browser;
let application: Server & { loggedOut: string[] };
let applicationUrl: string;
const code = uniqueCode('sso');
const adminEmail = `alice@${code}.test`;
const mobile = '+33612345670';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await server.operator('POST', '/licences', {
    code,
    name: 'Single Sign-On Ltd',
    seatLimit: 5,
    twoFactor: true,
    admin: { login: 'alice', firstName: 'Alice', lastName: 'Martin', email: adminEmail, language: 'en', mobile: '+33612345671' },
  });
  await setPasswordByApi(server, adminEmail);
  const port = await freePort();
  applicationUrl = `http://127.0.0.1:${port}`;
  const registered = await server.operator<{ clientId: string; clientSecret: string }>('POST', '/applications', {
    name: 'Example application',
    kind: 'web',
    redirectUris: [`${applicationUrl}/callback`],
    postLogoutRedirectUris: [`${applicationUrl}/`],
    backchannelLogoutUri: `${applicationUrl}/backchannel-logout`,
  });
  application = await createRelyingParty({ gatehouse: server.url, clientId: registered.clientId, clientSecret: registered.clientSecret, url: applicationUrl });
  await new Promise<void>((resolve) => application.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  await browser?.close();
  application?.close();
  await server?.stop();
});

describe('signing in to an application with Gatehouse', () => {
  it('signs in with SMS two-factor, shows the claims, asks a decision; a deactivation ends it everywhere', async () => {
    const licence = { code, name: 'Single Sign-On Ltd', admin: { login: 'alice', email: adminEmail, firstName: 'Alice', lastName: 'Martin' } };
    const bob = await createUser(server, licence, { login: 'bob', firstName: 'Bob', lastName: 'Marley', email: `bob@${code}.test`, configuration: 'User', mobile });

    const { context, page } = await newConsole(browser, server);
    // Every visit of the provider's sign-in step: once on the way to the form, once on the way back.
    const interactionVisits: string[] = [];
    page.on('request', (request) => {
      if (request.isNavigationRequest() && new URL(request.url()).pathname.startsWith('/oidc/interaction/')) interactionVisits.push(request.url());
    });
    await page.goto(`${applicationUrl}/`);
    await page.locator('#login').click();
    // Gatehouse's own sign-in page, then the code it sends by SMS.
    await page.getByLabel('Licence').fill(code);
    await page.getByLabel('Login').fill('bob');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    const sentBefore = server.messages.length;
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    const sms = await server.messageTo(mobile, { after: sentBefore, channel: 'sms' });
    await page.getByLabel('Code received by SMS').fill(/\b(\d{6})\b/.exec(sms.text)?.[1] ?? '');
    await page.getByRole('button', { name: 'Confirm' }).click();

    // Back at the application, which knows who this is.
    await page.getByRole('heading', { name: 'Hello Bob Marley' }).waitFor();
    // The console went back to the provider once: a second visit would replay a step already consumed.
    expect(interactionVisits).toHaveLength(2);
    const claims = JSON.parse(await page.locator('#claims').innerText());
    expect(claims).toMatchObject({ sub: bob.id, login: 'bob', licence: { code, name: 'Single Sign-On Ltd' }, email: `bob@${code}.test` });
    await page.locator('#decide').click();
    expect(JSON.parse(await page.locator('#decision').innerText())).toHaveProperty('allowed');

    // The admin deactivates Bob in the console.
    const admin = await newConsole(browser, server);
    await signIn(admin.page, code, 'alice');
    await admin.page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    const adminSms = await server.messageTo('+33612345671', { channel: 'sms' });
    await admin.page.getByLabel('Code received by SMS').fill(/\b(\d{6})\b/.exec(adminSms.text)?.[1] ?? '');
    await admin.page.getByRole('button', { name: 'Confirm' }).click();
    await admin.page.getByRole('heading', { name: 'My account' }).waitFor();
    await admin.page.goto('/users');
    await admin.page.getByRole('tabpanel').getByRole('link', { name: /Bob Marley/ }).click();
    await admin.page.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => admin.page.getByRole('status').innerText()).toContain('bob is deactivated');

    // The application hears it by back-channel logout, and its refresh token no longer works.
    await expect.poll(() => application.loggedOut, { timeout: 15_000 }).toContain(bob.id);
    await page.goto(`${applicationUrl}/`);
    await page.locator('#login').waitFor();
    await context.close();
    await admin.context.close();
  });
});
