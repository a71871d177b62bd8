import { readFileSync } from 'node:fs';

// NIST SP 800-63B §5.1.1.2: length matters, composition rules do not; a password is refused when it
// is a known common one, a trivial pattern, or merely repeats the account's own login or e-mail.

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export type PasswordWeakness = 'too_short' | 'too_long' | 'contains_login' | 'contains_email' | 'common' | 'repetitive';

export const PASSWORD_WEAKNESS_MESSAGES: Record<PasswordWeakness, string> = {
  too_short: `must be at least ${PASSWORD_MIN_LENGTH} characters`,
  too_long: `must be at most ${PASSWORD_MAX_LENGTH} characters`,
  contains_login: 'must not contain your login',
  contains_email: 'must not contain your e-mail address',
  common: 'is too common: it appears in lists of leaked passwords',
  repetitive: 'must not be a repeated or sequential pattern',
};

/** The same, after "Le mot de passe", for French readers. */
export const PASSWORD_WEAKNESS_MESSAGES_FR: Record<PasswordWeakness, string> = {
  too_short: `doit compter au moins ${PASSWORD_MIN_LENGTH} caractères`,
  too_long: `doit compter au plus ${PASSWORD_MAX_LENGTH} caractères`,
  contains_login: 'ne doit pas contenir votre identifiant',
  contains_email: 'ne doit pas contenir votre adresse e-mail',
  common: 'est trop courant : il figure dans des listes de mots de passe divulgués',
  repetitive: 'ne doit pas être une suite ou une répétition',
};

// The list is static data shipped beside this file (see data/README.md): read once, on first use,
// so that modules which never check a password do not pay for it.
let commonPasswords: ReadonlySet<string> | null = null;

export function commonPasswordList(): ReadonlySet<string> {
  if (commonPasswords === null) {
    const text = readFileSync(new URL('./data/common-passwords.txt', import.meta.url), 'utf8');
    commonPasswords = new Set(text.split('\n').filter((line) => line !== ''));
  }
  return commonPasswords;
}

/** The shortest unit the whole password repeats, e.g. "abc" for "abcabcabcabc"; itself when none. */
function repeatedUnit(value: string): string {
  for (let size = 1; size <= value.length / 2; size++) {
    if (value.length % size === 0 && value.slice(0, size).repeat(value.length / size) === value) return value.slice(0, size);
  }
  return value;
}

/**
 * A common password dressed up stays common: "qwertyuiop123!" and "passwordpassword" are guessed
 * as early as "qwertyuiop" and "password" by any cracking rule set.
 */
function isCommon(lower: string): boolean {
  const list = commonPasswordList();
  if (list.has(lower)) return true;
  const withoutSuffix = lower.replace(/[\d\p{P}\p{S}\s]+$/u, '');
  if (withoutSuffix.length >= 4 && list.has(withoutSuffix)) return true;
  const unit = repeatedUnit(lower);
  return unit !== lower && list.has(unit);
}

/**
 * Few distinct characters ("aaaaaaaaaaab"), a short unit said three times or more ("abcdabcdabcd"),
 * or one run up or down ("123456789012", "lkjihgfedcba").
 */
function isRepetitive(characters: readonly string[]): boolean {
  if (new Set(characters).size < 4) return true;
  const joined = characters.join('');
  if (repeatedUnit(joined).length * 3 <= joined.length) return true;
  const codes = characters.map((c) => c.codePointAt(0) ?? 0);
  const stepOf = (i: number) => {
    const step = codes[i]! - codes[i - 1]!;
    // Digits wrap around on a keyboard's top row: ...8, 9, 0, 1...
    if (/\d/.test(characters[i]!) && /\d/.test(characters[i - 1]!) && Math.abs(step) === 9) return -Math.sign(step);
    return step;
  };
  const first = stepOf(1);
  if (Math.abs(first) !== 1) return false;
  for (let i = 2; i < codes.length; i++) if (stepOf(i) !== first) return false;
  return true;
}

export function passwordWeakness(password: string, account: { login: string; email: string }): PasswordWeakness | null {
  const characters = [...password];
  if (characters.length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (characters.length > PASSWORD_MAX_LENGTH) return 'too_long';
  const lower = password.toLowerCase();
  if (account.login.length >= 3 && lower.includes(account.login.toLowerCase())) return 'contains_login';
  const mailbox = account.email.toLowerCase().split('@')[0] ?? '';
  if (mailbox.length >= 3 && (lower.includes(account.email.toLowerCase()) || lower.includes(mailbox))) return 'contains_email';
  if (isCommon(lower)) return 'common';
  if (isRepetitive([...lower])) return 'repetitive';
  return null;
}
