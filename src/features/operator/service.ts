import { randomUUID } from 'node:crypto';
import { hashToken, randomToken } from '../../platform/crypto.ts';
import type { Database } from '../../platform/db/client.ts';
import { insertOperatorToken } from './store.ts';

/** A new operator token: shown once, stored only as its hash. */
export async function createOperatorToken(db: Database, name: string): Promise<{ id: string; name: string; token: string }> {
  const token = randomToken('gho_');
  const id = randomUUID();
  await insertOperatorToken(db, { id, name, tokenHash: hashToken(token) });
  return { id, name, token };
}
