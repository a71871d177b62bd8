import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const KEY = 'ab'.repeat(32);

describe('configuration from the environment', () => {
  it('runs on the embedded database with sensible defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', publicUrl: 'http://localhost:3000', demo: true, trustProxy: false, sessionIdleMinutes: 30, sessionMaxHours: 12 });
    expect(config.database).toEqual({ kind: 'pglite', dataDir: path.resolve('data/pglite') });
  });

  it('uses PostgreSQL when DATABASE_URL is set, and then needs the secret key', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/gatehouse' })).toThrow(/GATEHOUSE_SECRET_KEY/);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/gatehouse', GATEHOUSE_SECRET_KEY: KEY }).database).toEqual({ kind: 'postgres', url: 'postgres://db/gatehouse' });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://db' }, /DATABASE_URL/],
    [{ GATEHOUSE_PUBLIC_URL: 'not a url' }, /GATEHOUSE_PUBLIC_URL/],
    [{ GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: 'short' }, /at least 32 characters/],
    [{ GATEHOUSE_DEMO: 'maybe' }, /GATEHOUSE_DEMO/],
    [{ GATEHOUSE_TRUST_PROXY: 'everyone please' }, /GATEHOUSE_TRUST_PROXY/],
    [{ GATEHOUSE_SESSION_IDLE_MINUTES: '0' }, /GATEHOUSE_SESSION_IDLE_MINUTES/],
  ])('refuses %o with a reason naming the variable', (env, reason) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(reason);
  });

  it('reads which proxies to trust', () => {
    expect(loadConfig({ GATEHOUSE_TRUST_PROXY: 'on' }).trustProxy).toBe(true);
    expect(loadConfig({ GATEHOUSE_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ GATEHOUSE_TRUST_PROXY: '10.0.0.1, 10.0.1.0/24' }).trustProxy).toBe('10.0.0.1, 10.0.1.0/24');
  });

  describe('delivery of messages in production', () => {
    const gateways = { GATEHOUSE_SMTP_URL: 'smtp://mail.example:587', GATEHOUSE_SMS_WEBHOOK_URL: 'https://sms.example/send' };

    it.each([
      [{ NODE_ENV: 'production' }, /GATEHOUSE_SMTP_URL and GATEHOUSE_SMS_WEBHOOK_URL are required in production/],
      [{ GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example.com' }, /GATEHOUSE_SMTP_URL and GATEHOUSE_SMS_WEBHOOK_URL are required/],
      [{ GATEHOUSE_PUBLIC_URL: 'http://10.0.0.5:3000' }, /required in production/],
      [{ NODE_ENV: 'production', GATEHOUSE_SMTP_URL: gateways.GATEHOUSE_SMTP_URL }, /^GATEHOUSE_SMS_WEBHOOK_URL is required/],
      [{ NODE_ENV: 'production', GATEHOUSE_SMS_WEBHOOK_URL: gateways.GATEHOUSE_SMS_WEBHOOK_URL }, /^GATEHOUSE_SMTP_URL is required/],
      [{ GATEHOUSE_DELIVERY: 'email' }, /GATEHOUSE_DELIVERY must be log/],
    ])('refuses to start with %o, saying why in one line', (env, reason) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(reason);
      expect(() => loadConfig(env)).not.toThrow(/\n/);
    });

    it('starts with both gateways, or with GATEHOUSE_DELIVERY=log said on purpose', () => {
      expect(loadConfig({ NODE_ENV: 'production', GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example.com', ...gateways }).deliveryToLog).toBe(false);
      expect(loadConfig({ NODE_ENV: 'production', GATEHOUSE_DELIVERY: 'log' }).deliveryToLog).toBe(true);
      expect(loadConfig({ GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example.com', GATEHOUSE_DELIVERY: 'log' }).deliveryToLog).toBe(true);
    });

    it('lets a newcomer on localhost run without gateways, messages going to the log', () => {
      expect(loadConfig({}).deliveryToLog).toBe(false);
      expect(loadConfig({ NODE_ENV: 'development', GATEHOUSE_PUBLIC_URL: 'http://127.0.0.1:4000' }).smtpUrl).toBeNull();
    });
  });

  it('drops a trailing slash from the public URL, as links are built on it', () => {
    expect(loadConfig({ GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example.com/', GATEHOUSE_DELIVERY: 'log' }).publicUrl).toBe('https://gatehouse.example.com');
  });
});
