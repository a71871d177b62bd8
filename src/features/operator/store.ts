import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { operatorTokens } from '../../platform/db/schema.ts';

export interface OperatorTokenRow {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  scopes: string[];
}

const columns = {
  id: operatorTokens.id,
  name: operatorTokens.name,
  createdAt: operatorTokens.createdAt,
  lastUsedAt: operatorTokens.lastUsedAt,
  revokedAt: operatorTokens.revokedAt,
  scopes: operatorTokens.scopes,
};

export async function insertOperatorToken(executor: Executor, row: typeof operatorTokens.$inferInsert): Promise<void> {
  await executor.insert(operatorTokens).values(row);
}

/** Every operator token, revoked ones included, oldest first; never their hashes. */
export async function listOperatorTokens(executor: Executor): Promise<OperatorTokenRow[]> {
  return executor.select(columns).from(operatorTokens).orderBy(asc(operatorTokens.createdAt), asc(operatorTokens.name));
}

export async function findOperatorToken(executor: Executor, id: string): Promise<OperatorTokenRow | null> {
  const [row] = await executor.select(columns).from(operatorTokens).where(eq(operatorTokens.id, id)).limit(1);
  return row ?? null;
}

/** Revokes a token still in force; answers it, or null when it was revoked already or never existed. */
export async function revokeOperatorTokenRow(executor: Executor, id: string, at: Date): Promise<OperatorTokenRow | null> {
  const [row] = await executor
    .update(operatorTokens)
    .set({ revokedAt: at })
    .where(and(eq(operatorTokens.id, id), isNull(operatorTokens.revokedAt)))
    .returning(columns);
  return row ?? null;
}
