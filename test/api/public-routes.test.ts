import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { HttpClient } from '../support/http.ts';
import { TEST_SECRET_KEY } from '../support/app.ts';

// Authentication is the default: a route is public only when it declares so. This walks every
// operation of the OpenAPI document without credentials; only the reviewed list below may answer
// anything but 401 or 404.

/** Reviewed: each of these must be reachable before anyone has signed in. */
const PUBLIC_OPERATIONS = new Set([
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/second-factor',
  'POST /api/v1/auth/second-factor/resend',
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/password-reset',
  'POST /api/v1/auth/password-reset/complete',
  // OAuth2 client credentials: the client authenticates in the request itself.
  'POST /api/v1/auth/token',
  // A signed-out console asks whether it has a session (answers { status: "anonymous" }).
  'GET /api/v1/auth/session',
  // Signing in with a passkey: the options (a challenge), then the authenticator's signed answer.
  'POST /api/v1/auth/passkey/options',
  'POST /api/v1/auth/passkey',
]);

/** A route added the way the next engineer would, saying nothing about who may call it. */
const UNDECLARED = '/api/v1/undeclared-probe';

let app: App;
let database: TestDatabase;
let anonymous: HttpClient;
let licenceCode: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const operatorToken = randomUUID() + randomUUID();
  const config = loadConfig({ GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: operatorToken, GATEHOUSE_SECRET_KEY: TEST_SECRET_KEY, GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn' });
  const keep = { send: async () => undefined };
  app = await buildApp({ config, database: database.handle, logger: createLogger(config.logLevel), transports: { email: keep, sms: keep }, serveConsole: false });
  app.server.get(UNDECLARED, async () => ({ secret: 'anyone can read this' }));
  const url = await app.server.listen({ port: 0, host: '127.0.0.1' });
  anonymous = new HttpClient(url);
  licenceCode = `pub-${process.pid}`;
  const created = await new HttpClient(url).withBearer(operatorToken).post('/operator/v1/licences', {
    code: licenceCode,
    name: 'Public routes',
    seatLimit: 5,
    admin: { login: 'admin', firstName: 'Ada', lastName: 'Admin', email: `admin@${licenceCode}.example`, language: 'en' },
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

describe('routes are authenticated unless they declare themselves public', () => {
  it('refuses a route that declares nothing to a caller without credentials', async () => {
    const answer = await anonymous.get(UNDECLARED);
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('unauthenticated');
  });

  it('answers every operation outside the reviewed public list with 401 or 404 when no credentials come', async () => {
    const document = (await anonymous.get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const open: string[] = [];
    let walked = 0;
    for (const [template, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        const operation = `${method.toUpperCase()} ${template}`;
        if (PUBLIC_OPERATIONS.has(operation)) continue;
        const path = template.replace(/\{code\}/g, licenceCode).replace(/\{[^}]+\}/g, () => randomUUID());
        const answer = await anonymous.request(method.toUpperCase(), path, method === 'get' ? undefined : {});
        walked += 1;
        if (answer.status !== 401 && answer.status !== 404) open.push(`${operation} → ${answer.status}`);
      }
    }
    expect(walked).toBeGreaterThan(50);
    expect(open).toEqual([]);
  });

  it('keeps the service and reference endpoints public', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/']) {
      expect((await anonymous.get(path)).status, path).toBe(200);
    }
  });

  it('lists every public operation of the document on the reviewed list', async () => {
    const document = (await anonymous.get('/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const documented = Object.entries(document.paths).flatMap(([template, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${template}`));
    for (const operation of PUBLIC_OPERATIONS) expect(documented, operation).toContain(operation);
  });
});
