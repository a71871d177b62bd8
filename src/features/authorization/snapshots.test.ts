import { describe, expect, it } from 'vitest';
import { compileCatalog } from '../../core/catalog.ts';
import { decide, type LicenceSnapshotInput, type SnapshotUser } from '../../core/decision.ts';
import { DEFAULT_CATALOG } from '../../core/default-catalog.ts';
import type { AppContext } from '../../platform/context.ts';
import { SnapshotCache, type SnapshotReader } from './snapshots.ts';

// The cache between the changes a process hears and its decisions, with reads the test paces: a
// decision that follows a change must see it, however slowly the change is read.

const catalog = compileCatalog(DEFAULT_CATALOG);
const ctx = { catalog: { current: async () => catalog } } as unknown as AppContext;

const alice: SnapshotUser = { id: 'u-alice', login: 'alice', status: 'active', configurationId: 'admin', entityGroupId: 'g-all' };
const licenceWith = (...users: SnapshotUser[]): LicenceSnapshotInput => ({
  licenceId: 'acme',
  applications: [...catalog.applicationCategory.keys()],
  configurations: [{ id: 'admin', definition: { kind: 'standard', key: 'admin' } }],
  entities: [{ id: 'e-paris', code: 'paris' }],
  entityGroups: [{ id: 'g-all', entityIds: ['e-paris'] }],
  users,
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** A reader whose every read waits until the test answers it. */
function pacedReader() {
  const licenceReads: Array<ReturnType<typeof deferred<LicenceSnapshotInput | null>>> = [];
  const userReads: Array<ReturnType<typeof deferred<SnapshotUser | null>>> = [];
  const reader: SnapshotReader = {
    licence: () => {
      const read = deferred<LicenceSnapshotInput | null>();
      licenceReads.push(read);
      return read.promise;
    },
    user: () => {
      const read = deferred<SnapshotUser | null>();
      userReads.push(read);
      return read.promise;
    },
  };
  return { reader, licenceReads, userReads };
}

const settled = <T>(promise: Promise<T>) => {
  const state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => Object.assign(state, { done: true, value }));
  return state;
};
/** Lets every promise callback that can run, run. */
const drain = () => new Promise<void>((resolve) => setImmediate(resolve));
const reasonOf = (snapshot: Awaited<ReturnType<SnapshotCache['get']>>) => (snapshot === null ? 'no licence' : decide(snapshot, { id: 'u-alice' }, 'forms.forms.view').reason);

async function builtCache() {
  const paced = pacedReader();
  const cache = new SnapshotCache(ctx, paced.reader);
  const first = cache.get('acme');
  await drain();
  paced.licenceReads[0]!.resolve(licenceWith(alice));
  expect(reasonOf(await first)).toBe('ok');
  return { cache, ...paced };
}

describe('the decision snapshots of a process', () => {
  it('answer at once when nothing changed', async () => {
    const { cache } = await builtCache();
    expect(cache.ready('acme')).not.toBeNull();
  });

  it('make the decision after a user change wait for that user to be read, then answer with the change', async () => {
    const { cache, userReads } = await builtCache();
    cache.apply({ kind: 'user', licenceId: 'acme', userId: 'u-alice' });
    expect(cache.ready('acme')).toBeNull();
    const next = settled(cache.get('acme'));
    await drain();
    expect(next.done).toBe(false);
    userReads[0]!.resolve({ ...alice, status: 'deactivated' });
    await drain();
    expect(next.done).toBe(true);
    expect(reasonOf(next.value ?? null)).toBe('inactive_user');
    expect(reasonOf(cache.ready('acme'))).toBe('inactive_user');
  });

  it('do not answer from a read that started before the last change heard', async () => {
    const { cache, userReads, licenceReads } = await builtCache();
    cache.apply({ kind: 'user', licenceId: 'acme', userId: 'u-alice' });
    // A second change while the first is read: the first read's answer is already old.
    cache.apply({ kind: 'user', licenceId: 'acme', userId: 'u-alice' });
    const next = settled(cache.get('acme'));
    userReads[0]!.resolve(alice);
    await drain();
    expect(next.done).toBe(false);
    // So the licence is read again, after both changes.
    expect(licenceReads).toHaveLength(2);
    licenceReads[1]!.resolve(licenceWith());
    await drain();
    expect(reasonOf(next.value ?? null)).toBe('unknown_user');
  });

  it('rebuild, rather than answer from an old snapshot, when a user could not be read', async () => {
    const { cache, userReads, licenceReads } = await builtCache();
    cache.apply({ kind: 'user', licenceId: 'acme', userId: 'u-alice' });
    const next = settled(cache.get('acme'));
    userReads[0]!.reject(new Error('the database is unavailable'));
    await drain();
    expect(next.done).toBe(false);
    licenceReads[1]!.resolve(licenceWith({ ...alice, status: 'deactivated' }));
    await drain();
    expect(reasonOf(next.value ?? null)).toBe('inactive_user');
  });

  it('do not keep a build that a change overtook, nor answer a later decision from it', async () => {
    const paced = pacedReader();
    const cache = new SnapshotCache(ctx, paced.reader);
    const early = settled(cache.get('acme'));
    await drain();
    cache.apply({ kind: 'licence', licenceId: 'acme' });
    const late = settled(cache.get('acme'));
    paced.licenceReads[0]!.resolve(licenceWith(alice));
    await drain();
    // The decision asked before the change has its answer; the one asked after waits for a new read.
    expect(reasonOf(early.value ?? null)).toBe('ok');
    expect(late.done).toBe(false);
    expect(cache.ready('acme')).toBeNull();
    paced.licenceReads[1]!.resolve(licenceWith({ ...alice, status: 'deactivated' }));
    await drain();
    expect(reasonOf(late.value ?? null)).toBe('inactive_user');
  });
});
