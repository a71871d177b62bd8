import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { TEST_SECRET_KEY } from '../support/app.ts';
import { createTestDatabase } from '../support/database.ts';
import { HttpClient } from '../support/http.ts';
import { migratedDataDir } from '../support/data-dir.ts';
import { gatehouseCommand, startServerProcess } from '../support/process.ts';

// Messages without a gateway go to the log transport: at info the log says a message is waiting,
// never its text (links, codes, secrets); the text is written at debug only. In production the
// process refuses to start without gateways unless GATEHOUSE_DELIVERY=log says so, and then warns.

async function serverLoggingAt(level: string) {
  const lines: string[] = [];
  const database = await createTestDatabase();
  const operatorToken = randomBytes(24).toString('hex');
  const config = loadConfig({ GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: operatorToken, GATEHOUSE_SECRET_KEY: TEST_SECRET_KEY, GATEHOUSE_DEMO: 'off', LOG_LEVEL: level });
  // No transports given: the defaults, the log transport here, deliver.
  const app = await buildApp({ config, database: database.handle, logger: createLogger(config.logLevel, { write: (line: string) => void lines.push(line) }), serveConsole: false });
  const url = await app.server.listen({ port: 0, host: '127.0.0.1' });
  return { app, database, lines, operator: new HttpClient(url).withBearer(operatorToken) };
}

async function createLicenceThroughLog(server: { app: App; operator: HttpClient }) {
  const code = `log-${randomBytes(3).toString('hex')}`;
  const created = await server.operator.post('/operator/v1/licences', {
    code,
    name: 'Logged',
    seatLimit: 5,
    admin: { login: 'admin', firstName: 'Ada', lastName: 'Admin', email: `admin@${code}.example`, language: 'en' },
  });
  expect(created.status).toBe(201);
  await server.app.outbox.deliverDue();
  return `admin@${code}.example`;
}

describe('the log transport', () => {
  let atInfo: Awaited<ReturnType<typeof serverLoggingAt>>;
  let atDebug: Awaited<ReturnType<typeof serverLoggingAt>>;
  beforeAll(async () => {
    atInfo = await serverLoggingAt('info');
    atDebug = await serverLoggingAt('debug');
  }, 120_000);
  afterAll(async () => {
    for (const server of [atInfo, atDebug]) {
      await server.app.close();
      await server.database.drop();
    }
  });

  it('says at info that a message waits, without its text or link', async () => {
    const to = await createLicenceThroughLog(atInfo);
    const entries = atInfo.lines.map((line) => JSON.parse(line)).filter((entry) => entry.to === to);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((entry) => entry.level <= 30 && entry.text === undefined)).toBe(true);
    expect(atInfo.lines.join('')).not.toMatch(/reset-password\?token=/);
  });

  it('writes the text, with its link, at debug only', async () => {
    const to = await createLicenceThroughLog(atDebug);
    const withText = atDebug.lines.map((line) => JSON.parse(line)).filter((entry) => entry.to === to && entry.text !== undefined);
    expect(withText).toEqual([expect.objectContaining({ level: 20, msg: 'message delivered to the log', text: expect.stringMatching(/reset-password\?token=/) })]);
  });
});

describe('starting in production', () => {
  it('refuses without gateways, in one line, with exit code 1', async () => {
    const child = spawn(process.execPath, gatehouseCommand('serve'), {
      env: { ...process.env, NODE_ENV: 'production', GATEHOUSE_DATA_DIR: migratedDataDir('gatehouse-prod-'), GATEHOUSE_SMTP_URL: '', GATEHOUSE_SMS_WEBHOOK_URL: '', GATEHOUSE_DELIVERY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^gatehouse: GATEHOUSE_SMTP_URL and GATEHOUSE_SMS_WEBHOOK_URL are required in production.*GATEHOUSE_DELIVERY=log/)]);
  }, 60_000);

  it('starts with GATEHOUSE_DELIVERY=log said on purpose, and warns', async () => {
    const server = await startServerProcess({ NODE_ENV: 'production', GATEHOUSE_DELIVERY: 'log', GATEHOUSE_DATA_DIR: migratedDataDir('gatehouse-prod-'), LOG_LEVEL: 'info' });
    try {
      const warning = server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line))
        .find((entry) => entry.level === 40 && /GATEHOUSE_DELIVERY=log/.test(entry.msg));
      expect(warning).toBeDefined();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
