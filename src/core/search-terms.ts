// How a users search goes in a licence too big to walk whole (features/users/store.ts), and what it
// asks the trigram index for.
//
// The planner chooses between the trigram index and the list walked in order from PostgreSQL's
// statistics of the search text, which guess a term's frequency from a hundred values: at a million
// users the guess flips from one ANALYZE to the next, and a frequent term sent to the index sorted
// 30,000 rows (150 ms), a rare one walked a third of the list (100 ms). A sample of the licence's own
// users, read when the licence is found big, tells instead: a term frequent in the sample, whose
// matches start early in login order, is walked; a rare one goes to the index.
//
// The trigram index answers a term by intersecting the entries of all its trigrams. A trigram that
// most of the licence's users share (a login prefix every account has, the company's e-mail domain)
// narrows nothing, yet its entry lists every one of them, and checking each candidate against it is
// most of the search's time: at 1,000,000 users in one licence, the index took 8.5 ms for `user345`
// and 3.8 ms for `er345`, which finds the same rows (bench/users/README.md). So the index is asked
// for the stretch of the term whose trigrams are not that common, and the whole term is tested on the
// rows it finds: the same answer, fewer entries read.
// Which trigrams are common is learnt from a sample of the licence's users. No library does this:
// PostgreSQL keeps no trigram frequencies, and pg_trgm asks the index for every trigram of a pattern.

/** A trigram in at least this share of the sampled users is left out of what the index is asked. */
export const COMMON_TRIGRAM_SHARE = 0.5;
/**
 * A term in at least this share of the sampled users is frequent: at a million users the index would
 * give thousands of its rows, or tens of thousands, to sort, where the list walk soon finds a page.
 */
export const FREQUENT_TERM_SHARE = 0.003;
/** A frequent term is walked when a sampled match comes within this share of the list, in login order. */
export const EARLY_SHARE = 0.1;

/** A sampled user: their search text and login key (both lower case). */
export interface SampledUser {
  text: string;
  loginKey: string;
}

/** How a search goes: the list walked in order, the trigram index asked the whole term, or a stretch of it. */
export type SearchPlan = { kind: 'walk' } | { kind: 'index' } | { kind: 'narrowed'; stretch: string };

/**
 * The plan for `term` (lower case) from a sample of the licence's users sorted by login key, for the
 * page that starts after the login key `from` (null: the first page).
 */
export function searchPlan(term: string, sample: readonly SampledUser[], from: string | null): SearchPlan {
  if (term.length < 3 || sample.length === 0) return { kind: 'index' };
  const matches = sample.reduce((found, user) => (user.text.includes(term) ? found + 1 : found), 0);
  if (matches >= Math.max(1, sample.length * FREQUENT_TERM_SHARE)) {
    const ahead = from === null ? sample : sample.filter((user) => user.loginKey > from);
    const first = ahead.findIndex((user) => user.text.includes(term));
    return first !== -1 && first < Math.max(1, ahead.length * EARLY_SHARE) ? { kind: 'walk' } : { kind: 'index' };
  }
  const stretch = narrowedTerm(term, sample.map((user) => user.text));
  return stretch === null ? { kind: 'index' } : { kind: 'narrowed', stretch };
}

/**
 * The stretch of `term` (lower case) to ask the trigram index for, given the search texts of a
 * sample of the licence's users (lower case): the run of consecutive trigrams none of which is
 * common, the rarest by the sample (ties: the longer). Null when the whole term is the best question:
 * no trigram is common, every one is, or the term has no trigram.
 */
export function narrowedTerm(term: string, sample: readonly string[]): string | null {
  if (term.length < 3 || sample.length === 0) return null;
  const shares = Array.from({ length: term.length - 2 }, (_, i) => {
    const trigram = term.slice(i, i + 3);
    return sample.reduce((found, text) => (text.includes(trigram) ? found + 1 : found), 0) / sample.length;
  });
  if (shares.every((share) => share < COMMON_TRIGRAM_SHARE) || shares.every((share) => share >= COMMON_TRIGRAM_SHARE)) return null;
  // A trigram absent from the sample is still counted as possible: half a sampled user.
  const floor = 0.5 / sample.length;
  let best: { from: number; to: number; score: number } | null = null;
  let from = 0;
  while (from < shares.length) {
    if (shares[from]! >= COMMON_TRIGRAM_SHARE) {
      from += 1;
      continue;
    }
    let to = from;
    let score = 0;
    while (to < shares.length && shares[to]! < COMMON_TRIGRAM_SHARE) score += Math.log(Math.max(shares[to++]!, floor));
    if (best === null || score < best.score || (score === best.score && to - from > best.to - best.from)) best = { from, to, score };
    from = to;
  }
  return best === null ? null : term.slice(best.from, best.to + 2);
}
