import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, CONSOLE_DIR, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createLicence, startTestApp, TEST_SECRET_KEY, type LicenceFixture, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { HttpClient } from '../support/http.ts';
import { ensureBuild } from '../support/process.ts';

// Every answer carries the security headers: the console's page, API answers, problems, 404s and
// the reference page under its own policy.

let test: TestApp;
let fixture: LicenceFixture;
let withConsole: { app: App; database: TestDatabase; client: HttpClient };

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
  // The console is served from its build: the page and its files are what a browser loads.
  // A fresh clone has no build yet: make it, as `npm start` would.
  if (!existsSync(path.join(CONSOLE_DIR, 'index.html'))) ensureBuild();
  const database = await createTestDatabase();
  const config = loadConfig({ GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: randomBytes(24).toString('hex'), GATEHOUSE_SECRET_KEY: TEST_SECRET_KEY, GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn' });
  const keep = { send: async () => undefined };
  const app = await buildApp({ config, database: database.handle, logger: createLogger(config.logLevel), transports: { email: keep, sms: keep }, serveConsole: true });
  withConsole = { app, database, client: new HttpClient(await app.server.listen({ port: 0, host: '127.0.0.1' })) };
}, 180_000);
afterAll(async () => {
  await test?.close();
  await withConsole?.app.close();
  await withConsole?.database.drop();
});

const policyOf = (headers: Headers) =>
  Object.fromEntries(
    (headers.get('content-security-policy') ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name, values]),
  );

function expectCommonHeaders(headers: Headers) {
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  // The public URL is plain-http localhost here: no HSTS.
  expect(headers.get('strict-transport-security')).toBeNull();
}

describe('the console', () => {
  it('is served under a strict policy: own scripts only, never framed', async () => {
    for (const page of ['/', '/users', '/operator/licences']) {
      const answer = await withConsole.client.get(page);
      expect(answer.status, page).toBe(200);
      expect(answer.headers.get('content-type')).toContain('text/html');
      expectCommonHeaders(answer.headers);
      const policy = policyOf(answer.headers);
      expect(policy['default-src']).toEqual(["'self'"]);
      expect(policy['script-src']).toEqual(["'self'"]);
      expect(policy['frame-ancestors']).toEqual(["'none'"]);
      expect(policy['object-src']).toEqual(["'none'"]);
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('holds no inline script, in its source page or its build, so the policy lets it run', () => {
    for (const file of [path.join(CONSOLE_DIR, '..', 'index.html'), path.join(CONSOLE_DIR, 'index.html')]) {
      const html = readFileSync(file, 'utf8');
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length, file).toBeGreaterThan(0);
      for (const [, attributes, body] of scripts) {
        expect(attributes, file).toMatch(/\bsrc=/);
        expect(body?.trim(), file).toBe('');
      }
      expect(html).not.toMatch(/\son[a-z]+=/i);
    }
  });

  it('serves its files with the headers too', async () => {
    const html = String((await withConsole.client.get('/')).body);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const answer = await withConsole.client.get(asset!);
    expect(answer.status).toBe(200);
    expectCommonHeaders(answer.headers);
  });
});

describe('the API', () => {
  it('answers with no-store and the security headers', async () => {
    const answer = await fixture.adminClient.get('/api/v1/me');
    expect(answer.status).toBe(200);
    expectCommonHeaders(answer.headers);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const operator = await test.operator.get('/operator/v1/licences');
    expect(operator.headers.get('cache-control')).toBe('no-store');
    expectCommonHeaders(operator.headers);
  });

  it('puts them on problems and 404s too', async () => {
    for (const [client, url, status] of [
      [test.anonymous(), '/api/v1/users', 401],
      [fixture.adminClient, '/api/v1/users/not-an-id', 422],
      [fixture.adminClient, '/api/v1/no-such-route', 404],
      [test.anonymous(), '/operator/v1/licences', 401],
    ] as const) {
      const answer = await client.get(url);
      expect(answer.status, url).toBe(status);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expectCommonHeaders(answer.headers);
      expect(answer.headers.get('cache-control'), url).toBe('no-store');
    }
    const refused = await test.anonymous().request('POST', '/api/v1/auth/login', {}, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expectCommonHeaders(refused.headers);
  });
});

describe('the reference page', () => {
  it('works under its own policy, never framed either', async () => {
    const page = await withConsole.client.get('/docs/');
    expect(page.status).toBe(200);
    expectCommonHeaders(page.headers);
    const policy = policyOf(page.headers);
    expect(policy['frame-ancestors']).toEqual(["'none'"]);
    expect(policy['script-src']).toContain("'self'");
    expect(policy['upgrade-insecure-requests']).toBeUndefined();
    // Every script the page loads is a file of its own origin, which the policy allows.
    const scripts = [...String(page.body).matchAll(/<script[^>]*src="([^"]+)"/g)].map(([, src]) => new URL(src!, `${withConsole.client.baseUrl}/docs/`));
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      expect(script.origin).toBe(withConsole.client.baseUrl);
      expect((await withConsole.client.get(script.pathname)).status, script.pathname).toBe(200);
    }
  });
});

describe('HSTS', () => {
  it('is sent when the public URL is https', async () => {
    const secure = await startTestApp({ GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example', GATEHOUSE_DELIVERY: 'log' });
    try {
      const answer = await secure.anonymous().get('/healthz');
      expect(answer.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
      expect(policyOf(answer.headers)['upgrade-insecure-requests']).toEqual([]);
    } finally {
      await secure.close();
    }
  });
});
