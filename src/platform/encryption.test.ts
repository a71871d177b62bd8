import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { createCipheriv } from 'node:crypto';
import { createSealer, keyIdOf, loadSecretKey, SECRET_KEY_FILE, UnsealError } from './encryption.ts';

const key = randomBytes(32);
const sealer = createSealer(key);
const plaintext = Buffer.from('the API secret of ws-orders');

describe('sealing', () => {
  it('opens what it sealed, with the same additional data', () => {
    const sealed = sealer.seal(plaintext, 'licence-a/item-1');
    expect(sealed.includes(plaintext)).toBe(false);
    expect(sealer.open(sealed, 'licence-a/item-1')).toEqual(plaintext);
  });

  it('uses a fresh IV every time, so equal plaintexts do not look equal', () => {
    expect(sealer.seal(plaintext, 'a').equals(sealer.seal(plaintext, 'a'))).toBe(false);
  });

  it('seals empty and large values', () => {
    expect(sealer.open(sealer.seal(Buffer.alloc(0), 'a'), 'a').length).toBe(0);
    const large = randomBytes(1024 * 1024);
    expect(sealer.open(sealer.seal(large, 'a'), 'a').equals(large)).toBe(true);
  });

  it('refuses a ciphertext moved to another row (other additional data)', () => {
    const sealed = sealer.seal(plaintext, 'licence-a/item-1');
    expect(() => sealer.open(sealed, 'licence-a/item-2')).toThrow(UnsealError);
    expect(() => sealer.open(sealed, 'licence-b/item-1')).toThrow(UnsealError);
  });

  it('refuses a ciphertext, IV or tag altered by one bit', () => {
    const sealed = sealer.seal(plaintext, 'a');
    for (const position of [0, 1, 13, 20, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[position]! ^= 0x01;
      expect(() => sealer.open(tampered, 'a'), `byte ${position}`).toThrow(UnsealError);
    }
    expect(() => sealer.open(sealed.subarray(0, 20), 'a')).toThrow(UnsealError);
  });

  it('refuses another key', () => {
    expect(() => createSealer(randomBytes(32)).open(sealer.seal(plaintext, 'a'), 'a')).toThrow(UnsealError);
  });

  it('seals short strings as text', () => {
    const sealed = sealer.sealText('JBSWY3DPEHPK3PXP', 'user-1');
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealer.openText(sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => sealer.openText(sealed, 'user-2')).toThrow(UnsealError);
  });

  it('takes only 256-bit keys', () => {
    expect(() => createSealer(randomBytes(16))).toThrow();
  });
});

/** A value sealed the way Gatehouse sealed before the key ring (version 1: no key id). */
function sealedInVersion1(aesKey: Buffer, value: Buffer, aad: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', aesKey, iv, { authTagLength: 16 }).setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(value), cipher.final()]);
  return Buffer.concat([Buffer.of(1), iv, cipher.getAuthTag(), ciphertext]);
}

describe('the key ring', () => {
  const older = randomBytes(32);
  const current = randomBytes(32);
  const ring = createSealer([current, older]);

  it('seals under the current key and names it by its fingerprint', () => {
    const sealed = ring.seal(plaintext, 'a');
    expect(sealed[0]).toBe(2);
    expect(sealed.subarray(1, 5)).toEqual(keyIdOf(current));
    expect(ring.currentKeyId).toBe(keyIdOf(current).toString('hex'));
    expect(ring.isCurrent(sealed)).toBe(true);
    expect(() => createSealer(older).open(sealed, 'a')).toThrow(UnsealError);
  });

  it('opens what an older key of the ring sealed, and says it is not under the current key', () => {
    const sealedBefore = createSealer(older).seal(plaintext, 'a');
    expect(ring.open(sealedBefore, 'a')).toEqual(plaintext);
    expect(ring.isCurrent(sealedBefore)).toBe(false);
    expect(() => createSealer(current).open(sealedBefore, 'a')).toThrow(UnsealError);
  });

  it('opens values sealed in the format before the ring with the first key that opens them', () => {
    const legacy = sealedInVersion1(older, plaintext, 'licence-a/item-1');
    expect(ring.open(legacy, 'licence-a/item-1')).toEqual(plaintext);
    expect(ring.isCurrent(legacy)).toBe(false);
    expect(() => ring.open(legacy, 'licence-a/item-2')).toThrow(UnsealError);
    expect(() => createSealer(current).open(legacy, 'licence-a/item-1')).toThrow(UnsealError);
  });

  it('refuses a value whose key id was changed to another key of the ring', () => {
    const sealed = ring.seal(plaintext, 'a');
    const relabelled = Buffer.concat([Buffer.of(2), keyIdOf(older), sealed.subarray(5)]);
    expect(() => ring.open(relabelled, 'a')).toThrow(UnsealError);
  });

  it('reads GATEHOUSE_SECRET_KEYS as the current key first, older after', () => {
    expect(loadConfig({ GATEHOUSE_SECRET_KEYS: `${current.toString('hex')}, ${older.toString('base64')}` }).secretKeys).toEqual([current, older]);
    expect(() => loadConfig({ GATEHOUSE_SECRET_KEYS: `${current.toString('hex')},nope` })).toThrow(/^GATEHOUSE_SECRET_KEYS must be 64 hex characters or the base64 of 32 bytes \(key 2\)/);
    expect(() => loadConfig({ GATEHOUSE_SECRET_KEYS: `${current.toString('hex')},${current.toString('hex')}` })).toThrow('GATEHOUSE_SECRET_KEYS names the same key twice');
    expect(() => loadConfig({ GATEHOUSE_SECRET_KEYS: current.toString('hex'), GATEHOUSE_SECRET_KEY: older.toString('hex') })).toThrow(/^set GATEHOUSE_SECRET_KEYS or GATEHOUSE_SECRET_KEY, not both/);
    expect(loadConfig({ DATABASE_URL: 'postgres://db.example/gatehouse', GATEHOUSE_SECRET_KEYS: current.toString('hex') }).secretKeys).toEqual([current]);
  });
});

describe('GATEHOUSE_SECRET_KEY', () => {
  const hex = key.toString('hex');

  it('accepts 64 hex characters or the base64 of 32 bytes', () => {
    expect(loadConfig({ GATEHOUSE_SECRET_KEY: hex }).secretKeys).toEqual([key]);
    expect(loadConfig({ GATEHOUSE_SECRET_KEY: key.toString('base64') }).secretKeys).toEqual([key]);
    expect(loadConfig({ GATEHOUSE_SECRET_KEY: key.toString('base64url') }).secretKeys).toEqual([key]);
  });

  it.each([
    ['a passphrase', 'correct horse battery staple'],
    ['63 hex characters', hex.slice(1)],
    ['the base64 of 16 bytes', randomBytes(16).toString('base64')],
    ['the base64 of 33 bytes', randomBytes(33).toString('base64')],
  ])('refuses %s in one line', (_name, value) => {
    expect(() => loadConfig({ GATEHOUSE_SECRET_KEY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEHOUSE_SECRET_KEY: value })).toThrow(/^GATEHOUSE_SECRET_KEY must be 64 hex characters or the base64 of 32 bytes/);
  });

  it('is required with DATABASE_URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db.example/gatehouse' })).toThrow(new ConfigError('GATEHOUSE_SECRET_KEY is required with DATABASE_URL'));
    expect(loadConfig({ DATABASE_URL: 'postgres://db.example/gatehouse', GATEHOUSE_SECRET_KEY: hex }).secretKeys).toEqual([key]);
  });

  it('may be left out on the embedded default', () => {
    expect(loadConfig({}).secretKeys).toEqual([]);
  });
});

describe('the key on the embedded default', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-key-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('is generated once into the data directory, readable by its owner only, and reused', () => {
    const dir = path.join(dataDir(), 'not-yet');
    const first = loadSecretKey({ secretKeys: [], dataDir: dir });
    const file = path.join(dir, SECRET_KEY_FILE);
    expect(first.length).toBe(32);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('hex'));
    expect(loadSecretKey({ secretKeys: [], dataDir: dir })).toEqual(first);
  });

  it('gives way to GATEHOUSE_SECRET_KEY, writing nothing', () => {
    const dir = dataDir();
    expect(loadSecretKey({ secretKeys: [key], dataDir: dir })).toEqual(key);
    expect(() => statSync(path.join(dir, SECRET_KEY_FILE))).toThrow();
  });

  it('stops the start with a one-line reason when the file holds no key', () => {
    const dir = dataDir();
    writeFileSync(path.join(dir, SECRET_KEY_FILE), 'not a key\n');
    expect(() => loadSecretKey({ secretKeys: [], dataDir: dir })).toThrow(ConfigError);
  });
});
