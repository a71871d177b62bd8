import { randomUUID } from 'node:crypto';
import type { Executor } from './db/client.ts';
import { auditEvents, PLATFORM_LICENCE_ID } from './db/schema.ts';

// The audit trail: every change made by an admin, an operator or the support account, written in the
// transaction of the change. Rows are never updated or deleted (the database refuses it).

export interface AuditActor {
  kind: 'user' | 'operator' | 'support';
  /** The user's id, or the operator token's (null for the bootstrap token). */
  id: string | null;
  name: string;
  ip: string | null;
}

export interface AuditEntry {
  /** null: a change to the platform as a whole, filed under PLATFORM_LICENCE_ID. */
  licenceId: string | null;
  action: string;
  target: { kind: string; id?: string | null; name?: string | null };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

export async function recordAudit(executor: Executor, actor: AuditActor, entry: AuditEntry, at: Date): Promise<void> {
  await executor.insert(auditEvents).values({
    id: randomUUID(),
    licenceId: entry.licenceId ?? PLATFORM_LICENCE_ID,
    at,
    actorKind: actor.kind,
    actorId: actor.id,
    actorName: actor.name,
    action: entry.action,
    targetKind: entry.target.kind,
    targetId: entry.target.id ?? null,
    targetName: entry.target.name ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    ip: actor.ip,
  });
}

/** The fields that differ, as they were and as they are: what an audit event shows of an edit. */
export function changedFields<T extends Record<string, unknown>>(before: T, after: T): { before: Partial<T>; after: Partial<T> } {
  const was: Partial<T> = {};
  const is: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      was[key] = before[key];
      is[key] = after[key];
    }
  }
  return { before: was, after: is };
}
