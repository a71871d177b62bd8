import { describe, expect, it } from 'vitest';
import { joinMobile, splitMobile } from './MobileField';

describe('a mobile typed as country and national number', () => {
  it('is sent in E.164 without the national leading zero', () => {
    expect(joinMobile({ country: 'FR', number: '06 12 34 56 78' })).toBe('+33612345678');
    expect(joinMobile({ country: 'GB', number: '07700 900123' })).toBe('+447700900123');
  });

  it('keeps a number typed whole in international form', () => {
    expect(joinMobile({ country: 'FR', number: '+41791234567' })).toBe('+41791234567');
    expect(joinMobile({ country: 'FR', number: '0041791234567' })).toBe('+41791234567');
  });

  it('is absent when left empty', () => {
    expect(joinMobile({ country: 'FR', number: '  ' })).toBeNull();
  });

  it('splits a stored number into its country and national format, whatever the length of the prefix', () => {
    expect(splitMobile('+352621123456')).toEqual({ country: 'LU', number: '621 123 456' });
    expect(splitMobile('+33612345678')).toEqual({ country: 'FR', number: '06 12 34 56 78' });
    expect(splitMobile('+16135550123').country).toBe('CA');
    expect(splitMobile(null)).toEqual({ country: 'FR', number: '' });
  });
});
