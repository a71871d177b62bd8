import { describe, expect, it } from 'vitest';
import { commonPasswordList, passwordWeakness, PASSWORD_WEAKNESS_MESSAGES } from './password-policy.ts';

const account = { login: 'grace.hopper', email: 'ghopper@navy.example' };
const weakness = (password: string) => passwordWeakness(password, account);

describe('the password policy', () => {
  it('ships at least 10,000 common passwords', () => {
    expect(commonPasswordList().size).toBeGreaterThanOrEqual(10_000);
    expect(commonPasswordList().has('password')).toBe(true);
  });

  it('takes any 12 to 256 characters, with no composition rules', () => {
    expect(weakness('correct horse battery staple')).toBeNull();
    expect(weakness('all lowercase words here')).toBeNull();
    expect(weakness('é'.repeat(3) + 'ñ🙂 jardin du soleil')).toBeNull();
    expect(weakness('zq8vmt2wkp4x')).toBeNull();
  });

  it('counts characters, not bytes or UTF-16 units', () => {
    expect(weakness('🙂'.repeat(3) + 'abcdefgh')).toBe('too_short'); // 11 characters, 14 UTF-16 units
    expect(weakness('x'.repeat(200) + '🙂'.repeat(56) + 'mnbv')).toBe('too_long');
    expect(weakness('a1b2c3d4e5f6'.repeat(21) + 'zq8v')).toBeNull(); // exactly 256
  });

  it('refuses short and overlong passwords', () => {
    expect(weakness('elevenchars')).toBe('too_short');
    expect(weakness('y'.repeat(257))).toBe('too_long');
  });

  it('refuses common passwords whatever their case', () => {
    expect(weakness('FinalFantasy')).toBe('common');
    expect(weakness('1qaz2wsx3edc')).toBe('common');
    expect(weakness('LeaveMeAlone')).toBe('common');
  });

  it('refuses a common password with digits or symbols tacked on, or said twice', () => {
    expect(weakness('password2024!')).toBe('common');
    expect(weakness('Sunshine12345')).toBe('common');
    expect(weakness('monkeymonkey')).toBe('common');
  });

  it('refuses repeated and sequential patterns', () => {
    expect(weakness('aaaaaaaaaaaa')).toBe('repetitive');
    expect(weakness('abababababab')).toBe('repetitive');
    expect(weakness('xkcdxkcdxkcd')).toBe('repetitive');
    expect(weakness('890123456789')).toBe('repetitive');
    expect(weakness('ponmlkjihgfe')).toBe('repetitive');
  });

  it('refuses a password holding the login or the e-mail, in any case', () => {
    expect(weakness('my Grace.Hopper secret')).toBe('contains_login');
    expect(weakness('secret ghopper@navy.example')).toBe('contains_email');
    expect(weakness('the GHOPPER of the navy')).toBe('contains_email');
  });

  it('has a message for every reason', () => {
    for (const message of Object.values(PASSWORD_WEAKNESS_MESSAGES)) expect(message).toMatch(/^(must|is) /);
  });
});
