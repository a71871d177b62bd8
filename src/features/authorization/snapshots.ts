import { compileLicenceSnapshot, removeSnapshotUser, upsertSnapshotUser, type LicenceSnapshot } from '../../core/decision.ts';
import type { Change } from '../../platform/changes.ts';
import type { AppContext } from '../../platform/context.ts';
import { findLicenceId, loadSnapshotInput, loadSnapshotUser } from './store.ts';

// Each process keeps a compiled snapshot per licence, built on first use and kept current by the
// changes every process announces. Decisions read snapshots only: no database on the decision path.

interface Entry {
  /** Bumped by every change: a build that started before a change must not be kept. */
  generation: number;
  snapshot: LicenceSnapshot | null;
  building: Promise<LicenceSnapshot | null> | null;
}

export class SnapshotCache {
  private readonly entries = new Map<string, Entry>();
  private readonly licenceIds = new Map<string, string>();

  constructor(private readonly ctx: AppContext) {}

  /** The licence id of a code; codes never change, so the answer is kept. */
  async licenceIdOf(code: string): Promise<string | null> {
    const known = this.licenceIds.get(code);
    if (known !== undefined) return known;
    const id = await findLicenceId(this.ctx.db, code);
    if (id !== null) this.licenceIds.set(code, id);
    return id;
  }

  /** The snapshot at hand, if built: the fast path of the decision endpoints. */
  ready(licenceId: string): LicenceSnapshot | null {
    return this.entries.get(licenceId)?.snapshot ?? null;
  }

  async get(licenceId: string): Promise<LicenceSnapshot | null> {
    const entry = this.entry(licenceId);
    if (entry.snapshot !== null) return entry.snapshot;
    return entry.building ?? this.build(licenceId, entry);
  }

  apply(change: Change): void {
    if (change.kind === 'catalog') return this.clear();
    // Decisions do not depend on the registered applications nor on the keys that sign tokens.
    if (change.kind === 'application' || change.kind === 'signing-keys') return;
    const entry = this.entries.get(change.licenceId);
    if (entry === undefined) return;
    entry.generation++;
    if (change.kind === 'user' && entry.snapshot !== null && entry.building === null) {
      // One user changed: update them alone rather than rebuild a large licence.
      const { snapshot } = entry;
      const generation = entry.generation;
      entry.building = loadSnapshotUser(this.ctx.db, change.licenceId, change.userId)
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
          entry.building = null;
          if (entry.generation !== generation) entry.snapshot = null;
        });
      return;
    }
    entry.snapshot = null;
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
      entry = { generation: 0, snapshot: null, building: null };
      this.entries.set(licenceId, entry);
    }
    return entry;
  }

  private build(licenceId: string, entry: Entry): Promise<LicenceSnapshot | null> {
    const generation = entry.generation;
    const building = (async () => {
      const catalog = await this.ctx.catalog.current();
      const input = await this.ctx.db.transaction((tx) => loadSnapshotInput(tx, licenceId));
      if (input === null) return null;
      const snapshot = compileLicenceSnapshot(catalog, input);
      // Kept only if nothing changed while it was read; otherwise the next call builds again.
      if (entry.generation === generation) entry.snapshot = snapshot;
      return snapshot;
    })().finally(() => {
      if (entry.building === building) entry.building = null;
    });
    entry.building = building;
    return building;
  }
}
