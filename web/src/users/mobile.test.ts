import { describe, expect, it } from 'vitest';
import { joinMobile, splitMobile } from './MobileField';

describe('a mobile typed as prefix and number', () => {
  it('is sent in E.164 without the national leading zero', () => {
    expect(joinMobile({ prefix: '+33', number: '06 12 34 56 78' })).toBe('+33612345678');
    expect(joinMobile({ prefix: '+44', number: '7700.900123' })).toBe('+447700900123');
  });

  it('keeps a number typed whole in international form', () => {
    expect(joinMobile({ prefix: '+33', number: '+41791234567' })).toBe('+41791234567');
    expect(joinMobile({ prefix: '+33', number: '0041791234567' })).toBe('+41791234567');
  });

  it('is absent when left empty', () => {
    expect(joinMobile({ prefix: '+33', number: '  ' })).toBeNull();
  });

  it('splits a stored number on its longest known prefix', () => {
    expect(splitMobile('+352621123456')).toEqual({ prefix: '+352', number: '621123456' });
    expect(splitMobile('+33612345678')).toEqual({ prefix: '+33', number: '612345678' });
    expect(splitMobile(null)).toEqual({ prefix: '+33', number: '' });
  });
});
