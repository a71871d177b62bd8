import { describe, expect, it } from 'vitest';
import { CredentialCache } from './credential-cache.ts';

const alice = { licenceId: 'l1', userId: 'alice' };
const bob = { licenceId: 'l1', userId: 'bob' };
const carol = { licenceId: 'l2', userId: 'carol' };

describe('the credential cache', () => {
  it('keeps a checked credential for its time to live, never past its own expiry', () => {
    const cache = new CredentialCache<string>(1_000, 100, () => 0.5);
    cache.put('t1', alice, 'session 1', 0, 10_000, cache.mark());
    cache.put('t2', alice, 'session 2', 0, 500, cache.mark());
    expect(cache.get('t1', 999)).toBe('session 1');
    expect(cache.get('t1', 1_000)).toBeNull();
    expect(cache.get('t2', 499)).toBe('session 2');
    expect(cache.get('t2', 500)).toBeNull();
  });

  it('spreads expiries between three quarters and five quarters of its time to live', () => {
    const low = new CredentialCache<string>(1_000, 100, () => 0);
    low.put('t', alice, 'x', 0, 10_000, low.mark());
    expect(low.get('t', 749)).toBe('x');
    expect(low.get('t', 750)).toBeNull();
    const high = new CredentialCache<string>(1_000, 100, () => 0.999);
    high.put('t', alice, 'x', 0, 10_000, high.mark());
    expect(high.get('t', 1_240)).toBe('x');
  });

  it('forgets every credential of a changed user at once, and only theirs', () => {
    const cache = new CredentialCache<string>();
    cache.put('a1', alice, 'a1', 0, 10_000, cache.mark());
    cache.put('a2', alice, 'a2', 0, 10_000, cache.mark());
    cache.put('b1', bob, 'b1', 0, 10_000, cache.mark());
    cache.forgetUser('l1', 'alice');
    expect(cache.get('a1', 1)).toBeNull();
    expect(cache.get('a2', 1)).toBeNull();
    expect(cache.get('b1', 1)).toBe('b1');
  });

  it('forgets a licence, or everything', () => {
    const cache = new CredentialCache<string>();
    cache.put('a1', alice, 'a1', 0, 10_000, cache.mark());
    cache.put('b1', bob, 'b1', 0, 10_000, cache.mark());
    cache.put('c1', carol, 'c1', 0, 10_000, cache.mark());
    cache.forgetLicence('l1');
    expect([cache.get('a1', 1), cache.get('b1', 1), cache.get('c1', 1)]).toEqual([null, null, 'c1']);
    cache.put('c2', carol, 'c2', 0, 10_000, cache.mark());
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('starts over rather than grow without bound', () => {
    const cache = new CredentialCache<string>(10_000, 2, () => 0.5);
    cache.put('a1', alice, 'a1', 0, 10_000, cache.mark());
    cache.put('b1', bob, 'b1', 0, 10_000, cache.mark());
    cache.put('c1', carol, 'c1', 0, 10_000, cache.mark());
    expect(cache.size).toBe(1);
    expect(cache.get('c1', 1)).toBe('c1');
  });

  it('does not keep a credential whose check was in flight when its user or licence was forgotten', () => {
    const cache = new CredentialCache<string>();
    const checking = cache.mark();
    // While the database was read, alice was deactivated (and carol's licence changed).
    cache.forgetUser('l1', 'alice');
    cache.forgetLicence('l2');
    cache.put('a1', alice, 'read before the change', 0, 10_000, checking);
    cache.put('b1', bob, 'b1', 0, 10_000, checking);
    cache.put('c1', carol, 'read before the change', 0, 10_000, checking);
    expect([cache.get('a1', 1), cache.get('b1', 1), cache.get('c1', 1)]).toEqual([null, 'b1', null]);
    // Checked again after the change, they are kept.
    cache.put('a1', alice, 'a1', 0, 10_000, cache.mark());
    expect(cache.get('a1', 1)).toBe('a1');
  });

  it('does not keep what was checked before everything was forgotten', () => {
    const cache = new CredentialCache<string>();
    const checking = cache.mark();
    cache.clear();
    cache.put('b1', bob, 'b1', 0, 10_000, checking);
    expect(cache.get('b1', 1)).toBeNull();
  });
});
