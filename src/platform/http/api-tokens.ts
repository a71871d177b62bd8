import { randomUUID } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import { hashToken, randomToken } from '../crypto.ts';
import type { Executor } from '../db/client.ts';
import { apiAccounts, apiTokens } from '../db/schema.ts';

// Bearer tokens of API accounts (OAuth2 client credentials): opaque, random, stored hashed, valid an
// hour. A deactivated account's tokens stop working at once.

export const API_TOKEN_LIFETIME_SECONDS = 3600;

export async function issueApiToken(executor: Executor, account: { licenceId: string; id: string }, now: Date) {
  const token = randomToken('gha_');
  await executor.insert(apiTokens).values({
    licenceId: account.licenceId,
    id: randomUUID(),
    apiAccountId: account.id,
    tokenHash: hashToken(token),
    expiresAt: new Date(now.getTime() + API_TOKEN_LIFETIME_SECONDS * 1000),
    createdAt: now,
  });
  return { token, expiresIn: API_TOKEN_LIFETIME_SECONDS };
}

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

export async function deleteExpiredApiTokens(executor: Executor, now: Date): Promise<void> {
  await executor.delete(apiTokens).where(lt(apiTokens.expiresAt, now));
}
