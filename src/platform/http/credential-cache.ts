// Sessions and API tokens are looked up on every request; the decision endpoints take thousands a
// second. Each process keeps the credentials it has checked for half a minute or so, and forgets those of
// a user the moment a change to that user is heard — its own at commit, other processes' through
// NOTIFY (src/platform/changes.ts) — so a deactivation, deletion, reset, logout or revocation still
// ends them at once. When changes may have been missed, everything is forgotten. A check that was
// reading the database when its user was forgotten is not kept (see src/platform/forget-log.ts).

import { ForgetLog } from '../forget-log.ts';

interface Entry<T> {
  value: T;
  until: number;
  userKey: string;
}

const userKey = (licenceId: string, userId: string) => `${licenceId}/${userId}`;

export class CredentialCache<T> {
  private readonly byToken = new Map<string, Entry<T>>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly forgotten = new ForgetLog<string>();

  constructor(
    private readonly ttlMilliseconds = 30_000,
    private readonly maxEntries = 200_000,
    /** Spreads expiries, so credentials checked together are not all checked again together. */
    private readonly jitter: () => number = Math.random,
  ) {}

  get(tokenHash: string, now: number): T | null {
    const entry = this.byToken.get(tokenHash);
    if (entry === undefined) return null;
    if (entry.until <= now) {
      this.drop(tokenHash, entry);
      return null;
    }
    return entry.value;
  }

  /** Taken before a credential is checked in the database, and given back to `put`. */
  mark(): number {
    return this.forgotten.mark();
  }

  /**
   * Keeps a credential checked since `mark` until `validUntil` at the latest (its own expiry); not
   * at all if a change to its user (or licence) was heard while it was checked.
   */
  put(tokenHash: string, owner: { licenceId: string; userId: string }, value: T, now: number, validUntil: number, mark: number): void {
    const key = userKey(owner.licenceId, owner.userId);
    if (!this.forgotten.keeps(mark, key)) return;
    if (this.byToken.size >= this.maxEntries) this.dropAll();
    const ttl = this.ttlMilliseconds * (0.75 + 0.5 * this.jitter());
    this.byToken.set(tokenHash, { value, until: Math.min(now + ttl, validUntil), userKey: key });
    let tokens = this.byUser.get(key);
    if (tokens === undefined) {
      tokens = new Set();
      this.byUser.set(key, tokens);
    }
    tokens.add(tokenHash);
  }

  forgetUser(licenceId: string, userId: string): void {
    const key = userKey(licenceId, userId);
    this.forgotten.forgot((other) => other === key);
    for (const tokenHash of this.byUser.get(key) ?? []) this.byToken.delete(tokenHash);
    this.byUser.delete(key);
  }

  forgetLicence(licenceId: string): void {
    const prefix = `${licenceId}/`;
    this.forgotten.forgot((key) => key.startsWith(prefix));
    for (const [key, tokens] of this.byUser) {
      if (!key.startsWith(prefix)) continue;
      for (const tokenHash of tokens) this.byToken.delete(tokenHash);
      this.byUser.delete(key);
    }
  }

  clear(): void {
    this.forgotten.forgot();
    this.dropAll();
  }

  get size(): number {
    return this.byToken.size;
  }

  /** Starts over, to stay within `maxEntries`: nothing changed, so reads in flight are still kept. */
  private dropAll(): void {
    this.byToken.clear();
    this.byUser.clear();
  }

  private drop(tokenHash: string, entry: Entry<T>): void {
    this.byToken.delete(tokenHash);
    const tokens = this.byUser.get(entry.userKey);
    tokens?.delete(tokenHash);
    if (tokens?.size === 0) this.byUser.delete(entry.userKey);
  }
}
