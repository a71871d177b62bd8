import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, decodeSecretKey, type Config } from './config.ts';

// Encryption at rest with AES-256-GCM: a random 96-bit IV per value, the authentication tag checked
// on every open, and additional authenticated data naming where the value belongs (e.g. its licence
// and row), so a ciphertext copied to another row, or altered by one bit, does not open.

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** A sealed value did not open: another key, another place (AAD), or altered bytes. */
export class UnsealError extends Error {
  constructor() {
    super('the sealed value does not open with this key and additional data');
  }
}

export interface Sealer {
  /** `version ‖ iv ‖ tag ‖ ciphertext`; the version byte leaves room for another key or algorithm later. */
  seal(plaintext: Buffer, aad: string): Buffer;
  open(sealed: Buffer, aad: string): Buffer;
  /** The same for short strings (secrets kept in text columns): UTF-8 in, base64url out. */
  sealText(plaintext: string, aad: string): string;
  openText(sealed: string, aad: string): string;
}

export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  // A copy, so a caller that reuses or wipes its buffer does not change ours.
  const aesKey = Buffer.from(key);

  const seal = (plaintext: Buffer, aad: string): Buffer => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', aesKey, iv, { authTagLength: TAG_BYTES }).setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), ciphertext]);
  };

  const open = (sealed: Buffer, aad: string): Buffer => {
    if (sealed.length < HEADER_BYTES || sealed[0] !== VERSION) throw new UnsealError();
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', aesKey, iv, { authTagLength: TAG_BYTES }).setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw new UnsealError();
    }
  };

  return {
    seal,
    open,
    sealText: (plaintext, aad) => seal(Buffer.from(plaintext, 'utf8'), aad).toString('base64url'),
    openText: (sealed, aad) => open(Buffer.from(sealed, 'base64url'), aad).toString('utf8'),
  };
}

export const SECRET_KEY_FILE = 'secret.key';

/**
 * The key in force: GATEHOUSE_SECRET_KEY when set; otherwise (embedded default only, loadConfig
 * sees to that) the one kept in the data directory, generated on the first start, so what was
 * encrypted yesterday still opens after a restart.
 */
export function loadSecretKey(config: Pick<Config, 'secretKey' | 'dataDir'>): Buffer {
  if (config.secretKey !== null) return config.secretKey;
  const file = path.join(config.dataDir, SECRET_KEY_FILE);
  return readKeyFile(file) ?? generateKeyFile(file);
}

function readKeyFile(file: string): Buffer | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const key = decodeSecretKey(text);
  if (key === null) throw new ConfigError(`${file} does not hold a 256-bit key (64 hex characters)`);
  return key;
}

function generateKeyFile(file: string): Buffer {
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32);
  // Written aside, then linked into place: a reader never sees half a key, and when two starts race
  // the first link wins and the other start reads the winner's key.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError(`cannot write ${file}: ${(error as Error).message}`);
    const winner = readKeyFile(file);
    if (winner === null) throw new ConfigError(`cannot read ${file}`);
    return winner;
  } finally {
    unlinkSync(draft);
  }
}
