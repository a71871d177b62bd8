import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { randomToken } from './crypto.ts';
import { licenceOfToken, licenceToken } from './licence-tokens.ts';

describe('a token that names its licence', () => {
  it('gives back the licence it was issued for, with or without a prefix', () => {
    const licenceId = randomUUID();
    expect(licenceOfToken(licenceToken(licenceId))).toEqual({ licenceId });
    expect(licenceOfToken(licenceToken(licenceId, 'gps_'), 'gps_')).toEqual({ licenceId });
  });

  it('stays URL-safe, 65 characters after its prefix, and differs each time', () => {
    const licenceId = randomUUID();
    const [first, second] = [licenceToken(licenceId), licenceToken(licenceId)];
    expect(first).toMatch(/^[A-Za-z0-9_-]{65}$/);
    expect(first.slice(0, 22)).toBe(second.slice(0, 22));
    expect(first).not.toBe(second);
  });

  it('tells a token from before migration 0013 (no licence) from a malformed one', () => {
    expect(licenceOfToken(randomToken())).toEqual({ legacy: true });
    expect(licenceOfToken(randomToken('gps_'), 'gps_')).toEqual({ legacy: true });
    expect(licenceOfToken('short')).toBeNull();
    expect(licenceOfToken(licenceToken(randomUUID(), 'gps_'))).toBeNull();
    // Characters base64url would skip, or trailing bits it would not write, name no licence.
    expect(licenceOfToken(`${'!'.repeat(22)}${randomToken()}`)).toBeNull();
    expect(licenceOfToken(`AAAAAAAAAAAAAAAAAAAAAB${randomToken()}`)).toBeNull();
  });
});
