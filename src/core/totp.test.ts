import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUrl, totp, totpStep } from './totp.ts';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const SEED = Buffer.from('12345678901234567890', 'ascii');
const at = (seconds: number) => new Date(seconds * 1000);

describe('TOTP (RFC 6238)', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('gives the RFC test vector at T=%i', (seconds, expected) => {
    expect(totp(SEED, at(seconds), 8)).toBe(expected);
    // Six digits are the low six of the same number.
    expect(totp(SEED, at(seconds))).toBe(expected.slice(2));
  });

  it('gives the RFC 4226 HOTP test vectors', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(SEED, counter))).toEqual(expected);
  });

  it('accepts the step before and after, not two away', () => {
    const now = at(1111111111);
    const step = totpStep(now);
    expect(matchTotp(SEED, hotp(SEED, step - 1), now, null)).toBe(step - 1);
    expect(matchTotp(SEED, hotp(SEED, step), now, null)).toBe(step);
    expect(matchTotp(SEED, hotp(SEED, step + 1), now, null)).toBe(step + 1);
    expect(matchTotp(SEED, hotp(SEED, step - 2), now, null)).toBeNull();
    expect(matchTotp(SEED, hotp(SEED, step + 2), now, null)).toBeNull();
  });

  it('refuses a code of a step already used, or older', () => {
    const now = at(1111111111);
    const step = totpStep(now);
    expect(matchTotp(SEED, hotp(SEED, step), now, step)).toBeNull();
    expect(matchTotp(SEED, hotp(SEED, step - 1), now, step)).toBeNull();
    expect(matchTotp(SEED, hotp(SEED, step + 1), now, step)).toBe(step + 1);
  });

  it('round-trips base32 as RFC 4648 writes it', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Encode(SEED)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ').equals(SEED)).toBe(true);
    expect(base32Decode('mzxw6ytboi').toString()).toBe('foobar');
    expect(() => base32Decode('not base32!')).toThrow();
  });

  it('writes the otpauth URL authenticator apps read', () => {
    const url = new URL(otpauthUrl({ issuer: 'Gatehouse acme', account: 'ada@example.com', secret: 'MZXW6YTBOI' }));
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Gatehouse acme:ada@example.com');
    expect(Object.fromEntries(url.searchParams)).toEqual({ secret: 'MZXW6YTBOI', issuer: 'Gatehouse acme', algorithm: 'SHA1', digits: '6', period: '30' });
  });
});
