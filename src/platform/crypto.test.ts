import { sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateDetachedKeyPair } from './crypto.ts';

describe('generateDetachedKeyPair', () => {
  it.each(['rsa', 'ec'] as const)('gives a %s pair that signs, verifies and exports as a JWK', (kind) => {
    const { privateKey, publicKey } = generateDetachedKeyPair(kind);
    expect(privateKey.type).toBe('private');
    expect(publicKey.type).toBe('public');
    expect(privateKey.asymmetricKeyType).toBe(kind);
    const data = Buffer.from('gatehouse');
    const signature = sign('sha256', data, privateKey);
    expect(verify('sha256', data, publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('other'), publicKey, signature)).toBe(false);
    const jwk = privateKey.export({ format: 'jwk' });
    expect(jwk.kty).toBe(kind === 'rsa' ? 'RSA' : 'EC');
    expect(typeof jwk.d).toBe('string');
    if (kind === 'rsa') expect(Buffer.from(jwk.n as string, 'base64url').length).toBe(256);
    else expect(jwk.crv).toBe('P-256');
  });

  it('gives a new pair each time', () => {
    const first = generateDetachedKeyPair('ec').publicKey.export({ format: 'jwk' });
    const second = generateDetachedKeyPair('ec').publicKey.export({ format: 'jwk' });
    expect(first.x).not.toBe(second.x);
  });
});
