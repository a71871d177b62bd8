import { describe, expect, it } from 'vitest';
import { cleanCode, groupSecret } from './twoFactor';

describe('setting up an authenticator app', () => {
  it('shows the key in blocks of 4, easy to type', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
    expect(groupSecret('')).toBe('');
  });

  it('takes a code typed with the spaces or dash some apps show', () => {
    expect(cleanCode('123 456')).toBe('123456');
    expect(cleanCode(' 123-456 ')).toBe('123456');
  });
});
