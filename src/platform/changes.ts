import { sql } from 'drizzle-orm';
import type { DatabaseHandle, Executor } from './db/client.ts';

// What the decision engine's snapshots are built from changes through one process; every process
// must hear of it. Changes are announced with PostgreSQL NOTIFY inside the transaction that makes
// them, so they are heard exactly when (and only if) the change commits. PGlite delivers them
// in-process through the same code path.

const CHANNEL = 'gatehouse_changes';

/** What changed: a whole licence, one user of it, the catalog (every licence), a registered application, or the keys that sign tokens. */
export type Change =
  | { kind: 'licence'; licenceId: string }
  | { kind: 'user'; licenceId: string; userId: string }
  | { kind: 'catalog' }
  | { kind: 'application'; applicationId: string; clientId: string }
  | { kind: 'signing-keys' };

function encode(change: Change): string {
  switch (change.kind) {
    case 'licence':
      return `licence:${change.licenceId}`;
    case 'user':
      return `user:${change.licenceId}:${change.userId}`;
    case 'catalog':
      return 'catalog';
    case 'application':
      return `application:${change.applicationId}:${change.clientId}`;
    case 'signing-keys':
      return 'signing-keys';
  }
}

export function decodeChange(payload: string): Change | null {
  const [kind, licenceId, userId] = payload.split(':');
  if (kind === 'catalog') return { kind: 'catalog' };
  if (kind === 'signing-keys') return { kind: 'signing-keys' };
  if (kind === 'licence' && licenceId) return { kind: 'licence', licenceId };
  if (kind === 'user' && licenceId && userId) return { kind: 'user', licenceId, userId };
  if (kind === 'application') {
    // application:<id>:<client id>; client ids are url-safe, never holding a colon.
    const [, applicationId, clientId] = payload.split(':');
    if (applicationId && clientId) return { kind: 'application', applicationId, clientId };
  }
  return null;
}

export async function announceChange(executor: Executor, change: Change): Promise<void> {
  await executor.execute(sql`SELECT pg_notify(${CHANNEL}, ${encode(change)})`);
}

/**
 * Calls `onChange` for every change announced by any process; `onMissed` when announcements may have
 * been lost (the listening connection dropped), so the listener reloads everything.
 */
export function listenForChanges(database: DatabaseHandle, onChange: (change: Change) => void, onMissed: () => void): Promise<() => Promise<void>> {
  return database.listen(
    CHANNEL,
    (payload) => {
      const change = decodeChange(payload);
      if (change) onChange(change);
    },
    onMissed,
  );
}

export type ChangeListener = { onChange(change: Change): void; onMissed(): void };

/**
 * The changes heard by this process: its own, applied as soon as their transaction commits (not a
 * moment later when the notification comes back), and every other process's, through NOTIFY.
 */
export class ChangeFeed {
  private readonly listeners: ChangeListener[] = [];
  private unlisten: (() => Promise<void>) | null = null;

  constructor(private readonly database: DatabaseHandle) {}

  subscribe(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    this.unlisten = await listenForChanges(
      this.database,
      (change) => this.deliver(change),
      () => this.listeners.forEach((listener) => listener.onMissed()),
    );
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
  }

  deliver(change: Change): void {
    for (const listener of this.listeners) listener.onChange(change);
  }
}
