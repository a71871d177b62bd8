import path from 'node:path';

// Configuration comes from the environment only, read once at start. A bad value stops the process
// with a one-line reason (ConfigError) rather than running half-configured.

export class ConfigError extends Error {}

export type DatabaseConfig = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };

export interface Config {
  host: string;
  port: number;
  publicUrl: string;
  database: DatabaseConfig;
  dataDir: string;
  logLevel: string;
  demo: boolean;
  /** Build the console at start when its build is missing or older than its sources. */
  buildConsole: boolean;
  bootstrapOperatorToken: string | null;
  smtpUrl: string | null;
  mailFrom: string;
  smsWebhookUrl: string | null;
  /**
   * True when e-mails and SMS without their gateway go to the log on purpose (GATEHOUSE_DELIVERY=log).
   * In production that must be said: otherwise the process refuses to start without both gateways.
   */
  deliveryToLog: boolean;
  /** Which proxies' X-Forwarded-For to believe for the client address (throttling, logs). */
  trustProxy: boolean | number | string;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /**
   * The 256-bit keys that encrypt data at rest (authenticator secrets, Transfer Box items, signing
   * keys): the current key first, older ones after, from GATEHOUSE_SECRET_KEYS (or GATEHOUSE_SECRET_KEY,
   * a ring of one); empty on the embedded default, where loadSecretKeys keeps one in the data directory.
   */
  secretKeys: Buffer[];
  /** Days a Transfer Box item waits for its recipient before it is purged. */
  transferBoxDays: number;
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(`${name} must start with ${protocols.join(' or ')}//`);
  return raw;
}

/** A 256-bit key written as 64 hex characters or as base64 of 32 bytes; null for anything else. */
export function decodeSecretKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === 32) return key;
  }
  return null;
}

function secretKeys(env: Env, database: DatabaseConfig['kind']): Buffer[] {
  const ring = env.GATEHOUSE_SECRET_KEYS ?? '';
  const single = env.GATEHOUSE_SECRET_KEY ?? '';
  if (ring !== '' && single !== '') throw new ConfigError('set GATEHOUSE_SECRET_KEYS or GATEHOUSE_SECRET_KEY, not both (GATEHOUSE_SECRET_KEYS: the current key first, older keys after)');
  if (ring === '' && single === '') {
    // A key generated on one server would not open what another server wrote: production names it.
    if (database === 'postgres') throw new ConfigError('GATEHOUSE_SECRET_KEY is required with DATABASE_URL');
    return [];
  }
  const name = ring !== '' ? 'GATEHOUSE_SECRET_KEYS' : 'GATEHOUSE_SECRET_KEY';
  const texts = ring !== '' ? ring.split(',') : [single];
  const keys = texts.map((text, index) => {
    const key = decodeSecretKey(text);
    const which = texts.length > 1 ? ` (key ${index + 1})` : '';
    if (key === null) throw new ConfigError(`${name} must be 64 hex characters or the base64 of 32 bytes${which} (e.g. openssl rand -hex 32)`);
    return key;
  });
  const distinct = new Set(keys.map((key) => key.toString('hex')));
  if (distinct.size !== keys.length) throw new ConfigError(`${name} names the same key twice`);
  return keys;
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['on', 'true', '1', 'yes'].includes(raw)) return true;
  if (['off', 'false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be on or off, got "${env[name]}"`);
}

/** off, on (every proxy), a number of hops, or a comma-separated list of proxy addresses or CIDRs. */
function trustProxy(raw: string | undefined): boolean | number | string {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '' || ['off', 'false', '0', 'no'].includes(value)) return false;
  if (['on', 'true', 'yes'].includes(value)) return true;
  if (/^\d+$/.test(value)) return Number(value);
  if (/^[0-9a-f.:/,\s]+$/.test(value)) return value;
  throw new ConfigError('GATEHOUSE_TRUST_PROXY must be off, on, a number of hops or a list of proxy addresses');
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Reset links, sign-in codes and API secrets written to a production log are leaked secrets: in
 * production (NODE_ENV=production, or a public URL that is not localhost) both gateways are needed,
 * unless GATEHOUSE_DELIVERY=log says that the log is meant.
 */
function deliveryToLog(env: Env, publicUrl: string, gateways: { smtpUrl: string | null; smsWebhookUrl: string | null }): boolean {
  const raw = env.GATEHOUSE_DELIVERY?.trim().toLowerCase() ?? '';
  if (raw !== '' && raw !== 'log') throw new ConfigError(`GATEHOUSE_DELIVERY must be log or unset, got "${env.GATEHOUSE_DELIVERY}"`);
  if (raw === 'log') return true;
  const production = env.NODE_ENV === 'production' || !LOCAL_HOSTS.has(new URL(publicUrl).hostname);
  const missing = [gateways.smtpUrl === null ? 'GATEHOUSE_SMTP_URL' : null, gateways.smsWebhookUrl === null ? 'GATEHOUSE_SMS_WEBHOOK_URL' : null].filter((name) => name !== null);
  if (production && missing.length > 0) {
    throw new ConfigError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required in production (NODE_ENV=production or a public URL that is not localhost); set GATEHOUSE_DELIVERY=log to write messages to the log instead, on purpose`);
  }
  return false;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const dataDir = path.resolve(env.GATEHOUSE_DATA_DIR || './data');
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const publicUrl = (url(env, 'GATEHOUSE_PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');

  const bootstrapOperatorToken = env.GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN || null;
  if (bootstrapOperatorToken !== null && bootstrapOperatorToken.length < 32) {
    throw new ConfigError('GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN must be at least 32 characters');
  }

  const smtpUrl = url(env, 'GATEHOUSE_SMTP_URL', ['smtp:', 'smtps:']);
  const smsWebhookUrl = url(env, 'GATEHOUSE_SMS_WEBHOOK_URL', ['http:', 'https:']);

  return {
    host,
    port,
    publicUrl,
    dataDir,
    database: databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    logLevel: env.LOG_LEVEL || 'info',
    demo: onOff(env, 'GATEHOUSE_DEMO', true),
    buildConsole: onOff(env, 'GATEHOUSE_BUILD_CONSOLE', true),
    bootstrapOperatorToken,
    smtpUrl,
    mailFrom: env.GATEHOUSE_MAIL_FROM || 'Gatehouse <no-reply@localhost>',
    smsWebhookUrl,
    deliveryToLog: deliveryToLog(env, publicUrl, { smtpUrl, smsWebhookUrl }),
    trustProxy: trustProxy(env.GATEHOUSE_TRUST_PROXY),
    sessionIdleMinutes: integer(env, 'GATEHOUSE_SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    sessionMaxHours: integer(env, 'GATEHOUSE_SESSION_MAX_HOURS', 12, 1, 24 * 30),
    secretKeys: secretKeys(env, databaseUrl ? 'postgres' : 'pglite'),
    transferBoxDays: integer(env, 'GATEHOUSE_TRANSFER_BOX_DAYS', 7, 1, 365),
  };
}
