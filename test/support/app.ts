import { randomBytes } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { DeliverableMessage, MessageTransport } from '../../src/platform/messaging/transports.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { HttpClient } from './http.ts';

// A real server on a random port over a real database; messages are kept for the test to read.

export const TEST_PASSWORD = 'correct horse battery staple';
/** Encrypts data at rest in tests; random per run, so nothing depends on its value. */
export const TEST_SECRET_KEY = randomBytes(32).toString('hex');

export interface TestApp {
  app: App;
  database: TestDatabase;
  url: string;
  operator: HttpClient;
  operatorToken: string;
  anonymous(): HttpClient;
  /** Delivers the outbox and answers every message sent so far to this address, oldest first. */
  messagesTo(address: string): Promise<DeliverableMessage[]>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Where the server's log goes (e.g. a stream the test reads); stdout by default. */
  log?: DestinationStream;
  /** Listen on this port (default: any free one). */
  port?: number;
}

export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const operatorToken = randomBytes(24).toString('hex');
  const config = loadConfig({ GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: operatorToken, GATEHOUSE_SECRET_KEY: TEST_SECRET_KEY, GATEHOUSE_DEMO: 'off', LOG_LEVEL: 'warn', ...env });
  const sent: DeliverableMessage[] = [];
  const keep: MessageTransport = { send: async (message) => void sent.push(message) };
  const app = await buildApp({ config, database: database.handle, logger: createLogger(config.logLevel, options.log), transports: { email: keep, sms: keep }, serveConsole: false });
  const address = await app.server.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const client = new HttpClient(address);
  return {
    app,
    database,
    url: address,
    operator: client.withBearer(operatorToken),
    operatorToken,
    anonymous: () => new HttpClient(address),
    async messagesTo(to) {
      await app.outbox.deliverDue();
      return sent.filter((message) => message.to === to);
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

export function linkToken(text: string): string {
  const match = /reset-password\?token=([A-Za-z0-9_%-]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no set-password link in: ${text}`);
  return decodeURIComponent(match[1]);
}

/** An API account's secret in the Transfer Box item or the SMS that delivered it, in English or French. */
export function clientSecretIn(text: string): string {
  const match = /(?:Client secret|Secret client \(client secret\)|, secret) ?: (\S+)/.exec(text);
  if (!match?.[1]) throw new Error(`no API account secret in: ${text}`);
  return match[1];
}

let counter = 0;
export const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

export interface LicenceFixture {
  code: string;
  licence: any;
  admin: any;
  /** The admin, signed in with a cookie session and the CSRF token. */
  adminClient: HttpClient;
  configurations: any[];
  groups: any[];
}

/** Sets a user's password from their newest e-mailed link and signs them in. */
export async function signIn(test: TestApp, licence: string, user: { login: string; email: string }, password = TEST_PASSWORD): Promise<HttpClient> {
  const messages = await test.messagesTo(user.email);
  const last = messages[messages.length - 1];
  if (!last) throw new Error(`no e-mail for ${user.email}`);
  const completed = await test.anonymous().post('/api/v1/auth/password-reset/complete', { token: linkToken(last.text), password });
  if (completed.status !== 204) throw new Error(`set password failed: ${JSON.stringify(completed.body)}`);
  return signInWithPassword(test, licence, user.login, password);
}

export async function signInWithPassword(test: TestApp, licence: string, login: string, password = TEST_PASSWORD): Promise<HttpClient> {
  const client = test.anonymous();
  const answer = await client.post('/api/v1/auth/login', { licence, login, password });
  if (answer.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(answer.body)}`);
  client.csrfToken = answer.body.csrfToken;
  return client;
}

export async function createLicence(test: TestApp, options: { seatLimit?: number; twoFactor?: boolean } = {}): Promise<LicenceFixture> {
  const code = unique('lic').toLowerCase();
  const created = await test.operator.post('/operator/v1/licences', {
    code,
    name: `Licence ${code}`,
    seatLimit: options.seatLimit ?? 50,
    ...(options.twoFactor === undefined ? {} : { twoFactor: options.twoFactor }),
    admin: { login: 'admin', firstName: 'Ada', lastName: 'Admin', email: `admin@${code}.example`, language: 'en', mobile: '+33612345678' },
  });
  if (created.status !== 201) throw new Error(`licence creation failed: ${JSON.stringify(created.body)}`);
  const adminClient = await signIn(test, code, created.body.admin);
  const configurations = (await adminClient.get('/api/v1/rights-configurations')).body;
  const groups = (await adminClient.get('/api/v1/entity-groups')).body;
  return { code, licence: created.body.licence, admin: created.body.admin, adminClient, configurations, groups };
}

export function configurationId(fixture: LicenceFixture, key: string): string {
  const found = fixture.configurations.find((c: { key: string }) => c.key === key);
  if (!found) throw new Error(`no configuration ${key}`);
  return found.id;
}

export function newUser(fixture: LicenceFixture, overrides: Record<string, unknown> = {}) {
  const login = unique('user');
  return {
    login,
    firstName: 'Grace',
    lastName: 'Hopper',
    email: `${login}@example.com`,
    language: 'en',
    configurationId: configurationId(fixture, 'user'),
    entityGroupId: fixture.groups[0].id,
    ...overrides,
  };
}

/** The 6-digit code of a sign-in SMS. */
export function smsCode(text: string): string {
  const match = /\b(\d{6})\b/.exec(text);
  if (!match?.[1]) throw new Error(`no code in: ${text}`);
  return match[1];
}

/** Signs in on a licence with two-factor on: password, then the code of the newest SMS to the mobile. */
export async function signInWithSms(test: TestApp, licence: string, login: string, mobile: string, password = TEST_PASSWORD): Promise<HttpClient> {
  const client = test.anonymous();
  const answer = await client.post('/api/v1/auth/login', { licence, login, password });
  if (answer.body?.status !== 'second_factor_required') throw new Error(`no second factor asked: ${JSON.stringify(answer.body)}`);
  const sms = (await test.messagesTo(mobile)).at(-1);
  if (!sms) throw new Error(`no SMS to ${mobile}`);
  const finished = await client.post('/api/v1/auth/second-factor', { challenge: answer.body.challenge, code: smsCode(sms.text) });
  if (finished.status !== 200) throw new Error(`second factor failed: ${JSON.stringify(finished.body)}`);
  client.csrfToken = finished.body.csrfToken;
  return client;
}
