import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { migratedDataDir } from '../../support/data-dir.ts';
import { until } from '../../support/wait.ts';

// A real Gatehouse process, as `npm start` runs it, on a free port over a fresh copy of the migrated
// data directory (global-setup.ts).
// Without SMTP or an SMS webhook the server logs every message it sends: the tests read them there.

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const PASSWORD = 'correct horse battery staple';

export interface DeliveredMessage {
  channel: 'email' | 'sms';
  to: string;
  subject?: string;
  text: string;
}

export interface RunningServer {
  url: string;
  operatorToken: string;
  messages: DeliveredMessage[];
  /** Calls the operator API; answers the parsed body, throws on a failure status. */
  operator<T = any>(method: string, route: string, body?: unknown): Promise<T>;
  /** Waits for the newest message to an address that arrived after `after` messages. */
  messageTo(to: string, options?: { after?: number; channel?: 'email' | 'sms' }): Promise<DeliveredMessage>;
  /** The set-password link of the newest e-mail to an address, as a path of the console. */
  linkFor(to: string, options?: { after?: number }): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startServer(): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = migratedDataDir('gatehouse-browser-');
  const operatorToken = randomBytes(20).toString('hex');
  const url = `http://localhost:${port}`;
  const child: ChildProcess = spawn(process.execPath, inject('serverArgs'), {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: operatorToken,
      GATEHOUSE_DEMO: 'off',
      GATEHOUSE_PUBLIC_URL: url,
      LOG_LEVEL: 'debug', // messages' text (set-password links) is logged at debug only
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const messages: DeliveredMessage[] = [];
  const output: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output.push(line);
    try {
      const entry = JSON.parse(line);
      if (entry.msg === 'message delivered to the log') messages.push({ channel: entry.channel, to: entry.to, subject: entry.subject, text: entry.text });
    } catch {
      // Not a log line of ours (e.g. a build message): kept in `output` for failures only.
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  try {
    await until(
      'GET /readyz',
      async () => {
        if (exited) throw new Error(`the server stopped:\n${output.join('\n')}`);
        const answer = await fetch(`${url}/readyz`).catch(() => null);
        return answer?.status === 200;
      },
      60_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  const operator = async (method: string, route: string, body?: unknown) => {
    const answer = await fetch(`${url}/operator/v1${route}`, {
      method,
      headers: { Authorization: `Bearer ${operatorToken}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    const parsed = text === '' ? null : JSON.parse(text);
    if (!answer.ok) throw new Error(`${method} ${route} → ${answer.status}: ${text}\n${output.slice(-5).join('\n')}`);
    return parsed;
  };

  const messageTo = (to: string, options: { after?: number; channel?: 'email' | 'sms' } = {}) =>
    until(
      `a message to ${to}`,
      () => {
        const found = messages.slice(options.after ?? 0).filter((message) => message.to === to && (options.channel === undefined || message.channel === options.channel));
        return found[found.length - 1];
      },
      15_000,
    );

  return {
    url,
    operatorToken,
    messages,
    operator,
    messageTo,
    async linkFor(to, options = {}) {
      const message = await messageTo(to, { ...options, channel: 'email' });
      const match = /https?:\/\/[^/\s]+(\/reset-password\?token=[A-Za-z0-9_%-]+)/.exec(message.text);
      if (!match?.[1]) throw new Error(`no set-password link in: ${message.text}`);
      return match[1];
    },
    async stop() {
      if (!exited) {
        const stopped = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A licence code unique to this run. */
export const uniqueCode = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

export interface LicenceFixture {
  code: string;
  name: string;
  admin: { login: string; email: string; firstName: string; lastName: string };
}

/** A licence with its first admin, made through the operator API as the vendor would. */
export async function createLicence(server: RunningServer, options: { prefix?: string; name?: string; language?: 'en' | 'fr'; seatLimit?: number } = {}): Promise<LicenceFixture> {
  const code = uniqueCode(options.prefix ?? 'acme');
  const admin = { login: 'alice', firstName: 'Alice', lastName: 'Martin', email: `alice@${code}.test`, language: options.language ?? 'en' };
  const name = options.name ?? 'Acme Retail';
  await server.operator('POST', '/licences', { code, name, seatLimit: options.seatLimit ?? 10, admin });
  return { code, name, admin };
}

/** Sets a user's password from their newest e-mailed link through the API, for journeys about something else. */
export async function setPasswordByApi(server: RunningServer, email: string, password = PASSWORD): Promise<void> {
  const link = await server.linkFor(email);
  const token = decodeURIComponent(link.split('token=')[1] ?? '');
  const answer = await fetch(`${server.url}/api/v1/auth/password-reset/complete`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token, password }) });
  if (answer.status !== 204) throw new Error(`setting the password failed: ${answer.status} ${await answer.text()}`);
}

/** A user made by the vendor's operator API with a standard configuration, password set. */
export async function createUser(
  server: RunningServer,
  licence: LicenceFixture,
  user: { login: string; firstName: string; lastName: string; email: string; configuration: string; language?: 'en' | 'fr'; mobile?: string },
): Promise<{ id: string }> {
  const configurations: { id: string; name: string }[] = await server.operator('GET', `/licences/${licence.code}/rights-configurations`);
  const groups: { id: string }[] = await server.operator('GET', `/licences/${licence.code}/entity-groups`);
  const configuration = configurations.find((candidate) => candidate.name === user.configuration);
  if (!configuration || !groups[0]) throw new Error(`no configuration ${user.configuration} or no group`);
  const created = await server.operator('POST', `/licences/${licence.code}/users`, {
    login: user.login,
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    language: user.language ?? 'en',
    ...(user.mobile ? { mobile: user.mobile } : {}),
    configurationId: configuration.id,
    entityGroupId: groups[0].id,
  });
  await setPasswordByApi(server, user.email);
  return created;
}
