import { describe, expect, it } from 'vitest';
import { preferredLanguage } from './language.ts';

describe('the language a request prefers', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['fr', 'fr'],
    ['fr-CA', 'fr'],
    ['FR-fr,en;q=0.5', 'fr'],
    ['en-GB,fr;q=0.9', 'en'],
    ['de-DE,fr;q=0.7,en;q=0.3', 'fr'],
    ['en;q=0.2, fr;q=0.8', 'fr'],
    ['en, fr', 'en'],
    ['fr;q=0, en;q=0.1', 'en'],
    ['fr;q=0', 'en'],
    ['de, es;q=0.5', 'en'],
    ['*', 'en'],
    ['fr;q=nonsense', 'fr'],
  ] as const)('%s → %s', (header, language) => {
    expect(preferredLanguage(header)).toBe(language);
  });
});
