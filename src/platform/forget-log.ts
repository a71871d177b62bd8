// A process's caches fill from reads that take a round trip, and forget entries when a change is
// heard. A read that was in flight when its entry was forgotten returns what stood before the change;
// kept, it would outlive the change by a whole time to live (a deactivated user's session answering
// for another half minute). So a cache notes what it forgets, a read takes a mark before it starts,
// and its answer is kept only if nothing forgotten since then covers it.

interface Forgotten<K> {
  at: number;
  covers: (key: K) => boolean;
}

export class ForgetLog<K> {
  private count = 0;
  private readonly recent: Forgotten<K>[] = [];

  /** `capacity` forgets are remembered; a read that spans more than that is not kept, whatever it read. */
  constructor(private readonly capacity = 1_024) {}

  /** Taken before a read: what is forgotten from now on is checked against the read's answer. */
  mark(): number {
    return this.count;
  }

  /** Notes that what `covers` matches was forgotten (everything, when called without it). */
  forgot(covers: (key: K) => boolean = () => true): void {
    this.count++;
    this.recent.push({ at: this.count, covers });
    if (this.recent.length > this.capacity) this.recent.shift();
  }

  /** Whether a read that started at `mark` and answered `key` may be kept. */
  keeps(mark: number, key: K): boolean {
    if (mark === this.count) return true;
    const oldest = this.recent[0];
    if (oldest === undefined || oldest.at > mark + 1) return false;
    for (let i = this.recent.length - 1; i >= 0 && this.recent[i]!.at > mark; i--) {
      if (this.recent[i]!.covers(key)) return false;
    }
    return true;
  }
}
