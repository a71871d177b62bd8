import { describe, expect, it } from 'vitest';
import { narrowedTerm, searchPlan, type SampledUser } from './search-terms.ts';

// Every sampled user's login starts with "user" and their e-mail is at acme.example.
const sample = Array.from({ length: 200 }, (_, i) => `user${i * 37} ${['anne', 'bruno', 'claire'][i % 3]} martin${i % 7} user${i * 37}@acme.example`);

describe('the stretch of a search term asked of the trigram index', () => {
  it('leaves out the trigrams most users share', () => {
    // "use" and "ser" are in every text: the index is asked for what follows them.
    expect(narrowedTerm('user345', sample)).toBe('er345');
    expect(narrowedTerm('dupont@acme', sample)).toBe('dupont@a');
  });

  it('is the whole term when no trigram is common, or when every one is', () => {
    expect(narrowedTerm('dupont', sample)).toBeNull();
    expect(narrowedTerm('acme.example', sample)).toBeNull();
    expect(narrowedTerm('user', sample)).toBeNull();
  });

  it('is the whole term when there is nothing to learn from: a term shorter than a trigram, or no sample', () => {
    expect(narrowedTerm('us', sample)).toBeNull();
    expect(narrowedTerm('user345', [])).toBeNull();
  });

  it('is always a part of the term, so the rows holding the term are among those the index finds', () => {
    for (const term of ['user345', 'xuser12acme', 'martin3 user', 'annexample', 'r99999', 'user1@acme']) {
      const narrowed = narrowedTerm(term, sample);
      if (narrowed !== null) {
        expect(term).toContain(narrowed);
        expect(narrowed.length).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('takes the rarest stretch when common trigrams split the term', () => {
    // "mar" and "tin" are in every text; "zqm" and "qma" in none: they are asked, not "inb".
    expect(narrowedTerm('zqmartinb', sample)).toBe('zqma');
  });
});

// A licence of 1,000 sampled users, logins user0…user999 in login order, all at acme.example.
const licence: SampledUser[] = Array.from({ length: 1000 }, (_, i) => ({ loginKey: `user${i}`, text: `user${i} anne martin user${i}@acme.example` })).sort((a, b) => (a.loginKey < b.loginKey ? -1 : 1));

describe('the plan of a search in a big licence', () => {
  it('walks the list for a frequent term whose matches start early in login order', () => {
    expect(searchPlan('user1', licence, null)).toEqual({ kind: 'walk' });
    expect(searchPlan('martin', licence, null)).toEqual({ kind: 'walk' });
  });

  it('asks the index for a frequent term whose matches come late, unless the page starts among them', () => {
    // "user9…" are the last tenth of the list.
    expect(searchPlan('user9', licence, null)).toEqual({ kind: 'index' });
    expect(searchPlan('user9', licence, 'user899')).toEqual({ kind: 'walk' });
  });

  it('asks the index for a rare term, for its stretch without the trigrams most users share', () => {
    // Once in 1,000 sampled users is rare; "use" and "ser" are in every one.
    expect(searchPlan('user999@', licence, null)).toEqual({ kind: 'narrowed', stretch: 'er999@' });
    expect(searchPlan('zzqx', licence, null)).toEqual({ kind: 'index' });
    expect(searchPlan('us', licence, null)).toEqual({ kind: 'index' });
    expect(searchPlan('user1', [], null)).toEqual({ kind: 'index' });
  });
});
