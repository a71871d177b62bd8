import { compileLicenceSnapshot, removeSnapshotUser, upsertSnapshotUser, type LicenceSnapshot, type LicenceSnapshotInput, type SnapshotUser } from '../../core/decision.ts';
import type { Change } from '../../platform/changes.ts';
import type { AppContext } from '../../platform/context.ts';
import { findLicenceId, loadSnapshotInput, loadSnapshotUser } from './store.ts';

// Each process keeps a compiled snapshot per licence, built on first use and kept current by the
// changes every process announces. Decisions read snapshots only: no database on the decision path.
//
// A change is applied by a read (the one user who changed, or the whole licence again). Until that
// read is in, the snapshot at hand is out of date: a decision waits for a read that started after
// every change heard before it, so the decision that follows a change (a deactivation) sees it.

/** How a snapshot's parts are read: from the database, or, in a test, as the test paces it. */
export interface SnapshotReader {
  licence(ctx: AppContext, licenceId: string): Promise<LicenceSnapshotInput | null>;
  user(ctx: AppContext, licenceId: string, userId: string): Promise<SnapshotUser | null>;
}

const databaseReader: SnapshotReader = {
  licence: (ctx, licenceId) => ctx.db.transaction((tx) => loadSnapshotInput(tx, licenceId)),
  user: (ctx, licenceId, userId) => loadSnapshotUser(ctx.db, licenceId, userId),
};

interface Read {
  /** A whole build (null: no such licence), or one user's update (null: it failed; build instead). */
  kind: 'build' | 'user';
  /** The generation it started at: it reflects every change up to that one. */
  from: number;
  done: Promise<LicenceSnapshot | null>;
}

interface Entry {
  /** Counts the changes heard: a read that started before a change does not reflect it. */
  generation: number;
  /** Up to date whenever no read is running. */
  snapshot: LicenceSnapshot | null;
  reading: Read | null;
}

export class SnapshotCache {
  private readonly entries = new Map<string, Entry>();
  private readonly licenceIds = new Map<string, string>();

  constructor(
    private readonly ctx: AppContext,
    private readonly read: SnapshotReader = databaseReader,
  ) {}

  /** The licence id of a code; codes never change, so the answer is kept. */
  async licenceIdOf(code: string): Promise<string | null> {
    const known = this.licenceIds.get(code);
    if (known !== undefined) return known;
    const id = await findLicenceId(this.ctx.db, code);
    if (id !== null) this.licenceIds.set(code, id);
    return id;
  }

  /** The snapshot at hand if it is up to date: the fast path of the decision endpoints. */
  ready(licenceId: string): LicenceSnapshot | null {
    const entry = this.entries.get(licenceId);
    return entry === undefined || entry.reading !== null ? null : entry.snapshot;
  }

  /** The licence's snapshot with every change heard so far applied, or null for an unknown licence. */
  async get(licenceId: string): Promise<LicenceSnapshot | null> {
    const entry = this.entry(licenceId);
    const heard = entry.generation;
    // At most two turns: a read that started before this call, then one that started after it.
    for (;;) {
      const { reading } = entry;
      if (reading === null) return entry.snapshot ?? this.build(licenceId, entry);
      if (reading.from < heard) {
        await reading.done.catch(() => null);
        continue;
      }
      const snapshot = await reading.done;
      if (snapshot !== null || reading.kind === 'build') return snapshot;
    }
  }

  apply(change: Change): void {
    if (change.kind === 'catalog') return this.clear();
    // Decisions do not depend on the registered applications nor on the keys that sign tokens.
    if (change.kind === 'application' || change.kind === 'signing-keys') return;
    const entry = this.entries.get(change.licenceId);
    if (entry === undefined) return;
    entry.generation++;
    const { snapshot } = entry;
    if (change.kind === 'licence' || snapshot === null || entry.reading !== null) {
      // Built again on the next decision (a running read, having started before this change, is not kept).
      entry.snapshot = null;
      return;
    }
    // One user changed: update them alone rather than rebuild a large licence.
    const from = entry.generation;
    const read: Read = {
      kind: 'user',
      from,
      done: this.read
        .user(this.ctx, change.licenceId, change.userId)
        .then((user) => {
          if (user === null) removeSnapshotUser(snapshot, change.userId);
          else upsertSnapshotUser(snapshot, user);
          return snapshot;
        })
        .catch(() => {
          entry.snapshot = null;
          return null;
        })
        .finally(() => {
          if (entry.reading === read) entry.reading = null;
          if (entry.generation !== from) entry.snapshot = null;
        }),
    };
    entry.reading = read;
  }

  /** Forgets every snapshot, e.g. after a catalog release or when changes may have been missed. */
  clear(): void {
    for (const entry of this.entries.values()) {
      entry.generation++;
      entry.snapshot = null;
    }
  }

  private entry(licenceId: string): Entry {
    let entry = this.entries.get(licenceId);
    if (entry === undefined) {
      entry = { generation: 0, snapshot: null, reading: null };
      this.entries.set(licenceId, entry);
    }
    return entry;
  }

  private build(licenceId: string, entry: Entry): Promise<LicenceSnapshot | null> {
    const from = entry.generation;
    const read: Read = {
      kind: 'build',
      from,
      done: (async () => {
        const catalog = await this.ctx.catalog.current();
        const input = await this.read.licence(this.ctx, licenceId);
        if (input === null) return null;
        const snapshot = compileLicenceSnapshot(catalog, input);
        // Kept only if nothing changed while it was read; otherwise the next decision builds again.
        if (entry.generation === from) entry.snapshot = snapshot;
        return snapshot;
      })().finally(() => {
        if (entry.reading === read) entry.reading = null;
      }),
    };
    entry.reading = read;
    return read.done;
  }
}
