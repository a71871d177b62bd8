import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, decodeSecretKey, type Config } from './config.ts';

// Encryption at rest with AES-256-GCM: a random 96-bit IV per value, the authentication tag checked
// on every open, and additional authenticated data naming where the value belongs (e.g. its licence
// and row), so a ciphertext copied to another row, or altered by one bit, does not open.
//
// The key is a ring: the current key seals, every key of the ring opens. A value sealed today names
// its key by a short fingerprint (version 2), so rotating keys needs no numbering kept anywhere:
//   version 1: 0x01 ‖ iv ‖ tag ‖ ciphertext                (before the ring; opened by trying each key)
//   version 2: 0x02 ‖ key id (4 bytes) ‖ iv ‖ tag ‖ ciphertext, the header authenticated with the AAD

const LEGACY_VERSION = 1;
const VERSION = 2;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const LEGACY_HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES;

/** A sealed value did not open: another key, another place (AAD), or altered bytes. */
export class UnsealError extends Error {
  constructor() {
    super('the sealed value does not open with this key and additional data');
  }
}

export interface Sealer {
  /** `2 ‖ key id ‖ iv ‖ tag ‖ ciphertext`, under the current key. */
  seal(plaintext: Buffer, aad: string): Buffer;
  /** Opens with the key the value names (or, for the old format, the first key of the ring that opens it). */
  open(sealed: Buffer, aad: string): Buffer;
  /** The same for short strings (secrets kept in text columns): UTF-8 in, base64url out. */
  sealText(plaintext: string, aad: string): string;
  openText(sealed: string, aad: string): string;
  /** True when the value is sealed under the current key in the current format: rotation leaves it alone. */
  isCurrent(sealed: Buffer): boolean;
  isCurrentText(sealed: string): boolean;
  /** The current key's fingerprint, as sealed values record it (hex). */
  readonly currentKeyId: string;
}

/**
 * A key's fingerprint: the first bytes of an HMAC under the key itself, so it names the key without
 * telling anything about it, and two rings agree on it without any numbering to keep in step.
 */
export function keyIdOf(key: Buffer): Buffer {
  return createHmac('sha256', key).update('gatehouse secret key id').digest().subarray(0, KEY_ID_BYTES);
}

/** A sealer over a key ring: the first key is the current one, the others only open. */
export function createSealer(keyOrRing: Buffer | readonly Buffer[]): Sealer {
  const ring = (Buffer.isBuffer(keyOrRing) ? [keyOrRing] : [...keyOrRing]).map((key) => {
    if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
    // A copy, so a caller that reuses or wipes its buffer does not change ours.
    const aesKey = Buffer.from(key);
    return { aesKey, id: keyIdOf(aesKey) };
  });
  const current = ring[0];
  if (current === undefined) throw new Error('the key ring is empty');

  const seal = (plaintext: Buffer, aad: string): Buffer => {
    const iv = randomBytes(IV_BYTES);
    const header = Buffer.concat([Buffer.of(VERSION), current.id]);
    const cipher = createCipheriv('aes-256-gcm', current.aesKey, iv, { authTagLength: TAG_BYTES }).setAAD(Buffer.concat([header, Buffer.from(aad, 'utf8')]));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
  };

  const decrypt = (aesKey: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: Buffer): Buffer | null => {
    try {
      const decipher = createDecipheriv('aes-256-gcm', aesKey, iv, { authTagLength: TAG_BYTES }).setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      return null;
    }
  };

  const open = (sealed: Buffer, aad: string): Buffer => {
    if (sealed[0] === VERSION && sealed.length >= HEADER_BYTES) {
      const id = sealed.subarray(1, 1 + KEY_ID_BYTES);
      const iv = sealed.subarray(1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + IV_BYTES);
      const tag = sealed.subarray(1 + KEY_ID_BYTES + IV_BYTES, HEADER_BYTES);
      const additional = Buffer.concat([sealed.subarray(0, 1 + KEY_ID_BYTES), Buffer.from(aad, 'utf8')]);
      for (const key of ring) {
        if (!key.id.equals(id)) continue;
        const opened = decrypt(key.aesKey, iv, tag, sealed.subarray(HEADER_BYTES), additional);
        if (opened !== null) return opened;
      }
      throw new UnsealError();
    }
    if (sealed[0] === LEGACY_VERSION && sealed.length >= LEGACY_HEADER_BYTES) {
      const iv = sealed.subarray(1, 1 + IV_BYTES);
      const tag = sealed.subarray(1 + IV_BYTES, LEGACY_HEADER_BYTES);
      for (const key of ring) {
        const opened = decrypt(key.aesKey, iv, tag, sealed.subarray(LEGACY_HEADER_BYTES), Buffer.from(aad, 'utf8'));
        if (opened !== null) return opened;
      }
    }
    throw new UnsealError();
  };

  const isCurrent = (sealed: Buffer) => sealed[0] === VERSION && sealed.length >= HEADER_BYTES && current.id.equals(sealed.subarray(1, 1 + KEY_ID_BYTES));

  return {
    seal,
    open,
    sealText: (plaintext, aad) => seal(Buffer.from(plaintext, 'utf8'), aad).toString('base64url'),
    openText: (sealed, aad) => open(Buffer.from(sealed, 'base64url'), aad).toString('utf8'),
    isCurrent,
    isCurrentText: (sealed) => isCurrent(Buffer.from(sealed, 'base64url')),
    currentKeyId: current.id.toString('hex'),
  };
}

export const SECRET_KEY_FILE = 'secret.key';

/**
 * The key in force: the first of GATEHOUSE_SECRET_KEYS (or GATEHOUSE_SECRET_KEY) when set; otherwise
 * (embedded default only, loadConfig sees to that) the one kept in the data directory, generated on
 * the first start, so what was encrypted yesterday still opens after a restart.
 */
export function loadSecretKey(config: Pick<Config, 'secretKeys' | 'dataDir'>): Buffer {
  return loadSecretKeys(config)[0]!;
}

/** The key ring: the current key first, then the older keys that still open what they sealed. */
export function loadSecretKeys(config: Pick<Config, 'secretKeys' | 'dataDir'>): Buffer[] {
  if (config.secretKeys.length > 0) return config.secretKeys;
  const file = path.join(config.dataDir, SECRET_KEY_FILE);
  return [readKeyFile(file) ?? generateKeyFile(file)];
}

/** The one sealer of a process: every secret kept at rest is sealed and opened through it. */
export function loadSealer(config: Pick<Config, 'secretKeys' | 'dataDir'>): Sealer {
  return createSealer(loadSecretKeys(config));
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
