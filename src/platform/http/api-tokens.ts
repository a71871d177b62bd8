import { and, eq } from 'drizzle-orm';
import { hashToken } from '../crypto.ts';
import type { Executor } from '../db/client.ts';
import { apiAccounts, apiTokens } from '../db/schema.ts';

// Bearer tokens of API accounts issued before they became the OpenID Provider's JWTs: opaque, random,
// stored hashed, valid an hour, still accepted until they expire (none is issued any more). A
// deactivated account's tokens stop working at once. They name no licence, so they are found by hash
// alone (asking every shard once sharded: docs/scaling.md), for the hour they have left.

export interface ActiveApiToken {
  id: string;
  licenceId: string;
  apiAccountId: string;
  login: string;
  expiresAt: Date;
}

export async function findActiveApiToken(executor: Executor, token: string, now: Date): Promise<ActiveApiToken | null> {
  const [row] = await executor
    .select({ id: apiTokens.id, licenceId: apiTokens.licenceId, apiAccountId: apiTokens.apiAccountId, expiresAt: apiTokens.expiresAt, login: apiAccounts.login, status: apiAccounts.status })
    .from(apiTokens)
    .innerJoin(apiAccounts, and(eq(apiAccounts.licenceId, apiTokens.licenceId), eq(apiAccounts.id, apiTokens.apiAccountId)))
    .where(eq(apiTokens.tokenHash, hashToken(token)))
    .limit(1);
  if (row === undefined || row.status !== 'active' || row.expiresAt.getTime() <= now.getTime()) return null;
  return { id: row.id, licenceId: row.licenceId, apiAccountId: row.apiAccountId, login: row.login, expiresAt: row.expiresAt };
}

export async function revokeApiTokens(executor: Executor, licenceId: string, apiAccountId: string): Promise<void> {
  await executor.delete(apiTokens).where(and(eq(apiTokens.licenceId, licenceId), eq(apiTokens.apiAccountId, apiAccountId)));
}
