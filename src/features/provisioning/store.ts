import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { entityGroups, provisioningTokens, rightsConfigurations, users } from '../../platform/db/schema.ts';

// Queries on a licence's provisioning tokens. Every query names the licence: the tenant fence.

export interface ProvisioningTokenRow {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: { id: string; login: string };
  configuration: { id: string; key: string; name: string };
  entityGroup: { id: string; name: string };
}

const columns = {
  id: provisioningTokens.id,
  name: provisioningTokens.name,
  createdAt: provisioningTokens.createdAt,
  lastUsedAt: provisioningTokens.lastUsedAt,
  revokedAt: provisioningTokens.revokedAt,
  createdBy: { id: users.id, login: users.login },
  configuration: { id: rightsConfigurations.id, key: rightsConfigurations.key, name: rightsConfigurations.name },
  entityGroup: { id: entityGroups.id, name: entityGroups.name },
};

function selectTokens(executor: Executor) {
  return executor
    .select(columns)
    .from(provisioningTokens)
    .innerJoin(users, and(eq(users.licenceId, provisioningTokens.licenceId), eq(users.id, provisioningTokens.createdBy)))
    .innerJoin(rightsConfigurations, and(eq(rightsConfigurations.licenceId, provisioningTokens.licenceId), eq(rightsConfigurations.id, provisioningTokens.configurationId)))
    .innerJoin(entityGroups, and(eq(entityGroups.licenceId, provisioningTokens.licenceId), eq(entityGroups.id, provisioningTokens.entityGroupId)));
}

export async function insertToken(executor: Executor, row: typeof provisioningTokens.$inferInsert): Promise<void> {
  await executor.insert(provisioningTokens).values(row);
}

/** The licence's tokens, revoked ones included, oldest first; never their hashes. */
export async function listTokens(executor: Executor, licenceId: string): Promise<ProvisioningTokenRow[]> {
  return selectTokens(executor).where(eq(provisioningTokens.licenceId, licenceId)).orderBy(asc(provisioningTokens.createdAt), asc(provisioningTokens.name));
}

export async function findToken(executor: Executor, licenceId: string, id: string): Promise<ProvisioningTokenRow | null> {
  const [row] = await selectTokens(executor)
    .where(and(eq(provisioningTokens.licenceId, licenceId), eq(provisioningTokens.id, id)))
    .limit(1);
  return row ?? null;
}

/** Revokes a token still in force; answers whether it was. */
export async function revokeToken(executor: Executor, licenceId: string, id: string, at: Date): Promise<boolean> {
  const revoked = await executor
    .update(provisioningTokens)
    .set({ revokedAt: at })
    .where(and(eq(provisioningTokens.licenceId, licenceId), eq(provisioningTokens.id, id), isNull(provisioningTokens.revokedAt)))
    .returning({ id: provisioningTokens.id });
  return revoked.length > 0;
}
