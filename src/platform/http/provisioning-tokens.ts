import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { hashToken } from '../crypto.ts';
import type { Database } from '../db/client.ts';
import { provisioningTokens, users } from '../db/schema.ts';
import { licenceOfToken } from '../licence-tokens.ts';
import type { ProvisioningActor } from './actor.ts';
import { createLastUseRecorder } from './last-use.ts';

// Provisioning tokens (SCIM): looked up by hash on every request, never cached, so a revoked token
// is refused at once by every process. A token acts with its creator's rights, so it stops working
// while its creator is deactivated (and goes when they are deleted), as their own sessions do.

export function createProvisioningAuthenticator(db: Database, now: () => Date) {
  const recordUse = createLastUseRecorder('provisioning token');

  return async (request: FastifyRequest, token: string): Promise<ProvisioningActor | null> => {
    const routed = licenceOfToken(token, 'gps_');
    if (routed === null) return null;
    const inLicence = 'licenceId' in routed ? eq(provisioningTokens.licenceId, routed.licenceId) : undefined;
    const [row] = await db
      .select({
        licenceId: provisioningTokens.licenceId,
        id: provisioningTokens.id,
        name: provisioningTokens.name,
        configurationId: provisioningTokens.configurationId,
        entityGroupId: provisioningTokens.entityGroupId,
        createdBy: provisioningTokens.createdBy,
        lastUsedAt: provisioningTokens.lastUsedAt,
      })
      .from(provisioningTokens)
      .innerJoin(users, and(eq(users.licenceId, provisioningTokens.licenceId), eq(users.id, provisioningTokens.createdBy), eq(users.status, 'active')))
      // In the licence the token names; one from before migration 0013 names none and is found by hash alone.
      .where(and(inLicence, eq(provisioningTokens.tokenHash, hashToken(token)), isNull(provisioningTokens.revokedAt)))
      .limit(1);
    if (row === undefined) return null;
    const at = now();
    await recordUse(row, at, () => db.update(provisioningTokens).set({ lastUsedAt: at }).where(and(eq(provisioningTokens.licenceId, row.licenceId), eq(provisioningTokens.id, row.id))), request.log);
    return {
      kind: 'provisioning',
      licenceId: row.licenceId,
      tokenId: row.id,
      name: row.name,
      createdBy: row.createdBy,
      defaults: { configurationId: row.configurationId, entityGroupId: row.entityGroupId },
    };
  };
}
