import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { createSealer, loadSecretKey, SECRET_KEY_FILE, UnsealError } from './encryption.ts';

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

describe('GATEHOUSE_SECRET_KEY', () => {
  const hex = key.toString('hex');

  it('accepts 64 hex characters or the base64 of 32 bytes', () => {
    expect(loadConfig({ GATEHOUSE_SECRET_KEY: hex }).secretKey).toEqual(key);
    expect(loadConfig({ GATEHOUSE_SECRET_KEY: key.toString('base64') }).secretKey).toEqual(key);
    expect(loadConfig({ GATEHOUSE_SECRET_KEY: key.toString('base64url') }).secretKey).toEqual(key);
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
    expect(loadConfig({ DATABASE_URL: 'postgres://db.example/gatehouse', GATEHOUSE_SECRET_KEY: hex }).secretKey).toEqual(key);
  });

  it('may be left out on the embedded default', () => {
    expect(loadConfig({}).secretKey).toBeNull();
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
    const first = loadSecretKey({ secretKey: null, dataDir: dir });
    const file = path.join(dir, SECRET_KEY_FILE);
    expect(first.length).toBe(32);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('hex'));
    expect(loadSecretKey({ secretKey: null, dataDir: dir })).toEqual(first);
  });

  it('gives way to GATEHOUSE_SECRET_KEY, writing nothing', () => {
    const dir = dataDir();
    expect(loadSecretKey({ secretKey: key, dataDir: dir })).toEqual(key);
    expect(() => statSync(path.join(dir, SECRET_KEY_FILE))).toThrow();
  });

  it('stops the start with a one-line reason when the file holds no key', () => {
    const dir = dataDir();
    writeFileSync(path.join(dir, SECRET_KEY_FILE), 'not a key\n');
    expect(() => loadSecretKey({ secretKey: null, dataDir: dir })).toThrow(ConfigError);
  });
});
