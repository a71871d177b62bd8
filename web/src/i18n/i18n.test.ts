import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import en from './en.json';
import fr from './fr.json';

// Every word of the console exists in English and in French, and every key a screen asks for exists.

type Tree = { [key: string]: string | Tree };
const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PLURAL_SUFFIXES = ['_zero', '_one', '_two', '_few', '_many', '_other'];

function keysOf(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) => (typeof value === 'string' ? [`${prefix}${key}`] : keysOf(value, `${prefix}${key}.`)));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.tsx') ? [full] : [];
  });
}

/** The literal keys passed to t('…') in the console's components. */
function usedKeys(): Map<string, string> {
  const used = new Map<string, string>();
  const call = /\bt\(\s*(['"`])([^'"`$]+?)\1/g;
  for (const file of sourceFiles(SOURCES)) {
    for (const match of readFileSync(file, 'utf8').matchAll(call)) used.set(match[2] as string, path.relative(SOURCES, file));
  }
  return used;
}

const enKeys = new Set(keysOf(en as Tree));
const frKeys = new Set(keysOf(fr as Tree));
const has = (keys: Set<string>, key: string) => keys.has(key) || PLURAL_SUFFIXES.some((suffix) => keys.has(`${key}${suffix}`));

describe('the console speaks English and French', () => {
  it('has the same keys in both languages', () => {
    expect([...enKeys].filter((key) => !frKeys.has(key)), 'keys missing in fr.json').toEqual([]);
    expect([...frKeys].filter((key) => !enKeys.has(key)), 'keys missing in en.json').toEqual([]);
  });

  it('has no empty text', () => {
    expect([...keysOf(en as Tree)].filter((key) => key.length === 0)).toEqual([]);
    const empty = (tree: Tree, prefix = ''): string[] =>
      Object.entries(tree).flatMap(([key, value]) => (typeof value === 'string' ? (value.trim() === '' ? [`${prefix}${key}`] : []) : empty(value, `${prefix}${key}.`)));
    expect(empty(en as Tree)).toEqual([]);
    expect(empty(fr as Tree)).toEqual([]);
  });

  it('has every key the screens use', () => {
    const used = usedKeys();
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter(([key]) => !has(enKeys, key) || !has(frKeys, key)).map(([key, file]) => `${key} (${file})`);
    expect(missing).toEqual([]);
  });

  it('translates every stable error code of the API', () => {
    const codes = [
      'validation_failed', 'invalid_credentials', 'unauthenticated', 'forbidden', 'csrf_failed', 'protected_account', 'not_found', 'login_taken',
      'seat_limit_reached', 'users_missing_mobile', 'cannot_target_self', 'invalid_token', 'weak_password', 'too_many_attempts', 'support_access_blocked',
    ];
    expect(codes.filter((code) => !enKeys.has(`problems.${code}`) || !frKeys.has(`problems.${code}`))).toEqual([]);
  });

  it('names every value the screens translate by pattern', () => {
    const families = {
      'language.names': ['en', 'fr'],
      'user.genders': ['female', 'male', 'unspecified'],
      'user.statuses': ['active', 'deactivated'],
      'users.tabs': ['active', 'deactivated'],
      'accesses.tabs': ['users', 'support'],
      'operator.licence': ['entities', 'configurations', 'users', 'apiAccounts', 'support'],
      'operator.configurations.kinds': ['standard', 'internal', 'custom'],
    };
    const missing = Object.entries(families).flatMap(([prefix, values]) => values.map((value) => `${prefix}.${value}`).filter((key) => !enKeys.has(key) || !frKeys.has(key)));
    expect(missing).toEqual([]);
  });
});
