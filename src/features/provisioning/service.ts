import { randomUUID } from 'node:crypto';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { hashToken } from '../../platform/crypto.ts';
import { licenceToken } from '../../platform/licence-tokens.ts';
import { ensure, fieldError, invalidFieldsDetail, notFound, Problem, type FieldError } from '../../platform/http/problems.ts';
import type { ConfigurationsService } from '../configurations/service.ts';
import type { EntitiesService } from '../entities/service.ts';
import type { LicencesService } from '../licences/service.ts';
import type { UsersService } from '../users/service.ts';
import * as store from './store.ts';

// Provisioning tokens: a licence admin gives one to the licence's identity provider, which then
// creates, updates and removes users over SCIM (features/scim). A token carries the configuration and
// group given to users provisioned without Gatehouse's extension, chosen among those the admin may
// grant, and it acts within its creator's rights from then on.

/** Who creates or revokes a token: a person signed in to the console. */
export interface TokenCaller {
  licenceId: string;
  userId: string;
  supportVisit: boolean;
  audit: AuditActor;
}

export function presentToken(row: store.ProvisioningTokenRow) {
  const iso = (at: Date | null) => (at === null ? null : at.toISOString());
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
    configuration: row.configuration,
    entityGroup: row.entityGroup,
  };
}

export function createProvisioningService(ctx: AppContext, deps: { users: UsersService; configurations: ConfigurationsService; entities: EntitiesService; licences: LicencesService }) {
  /** The defaults must be among what the console offers this admin: assignable, within their own reach. */
  const ensureGrantable = async (caller: TokenCaller, input: { configurationId: string; entityGroupId: string }) => {
    const licence = await deps.licences.byId(caller.licenceId);
    const offer = await deps.users.ceilings.offerTo(caller.licenceId, { userId: caller.userId, supportVisit: caller.supportVisit });
    const configuration = (await deps.configurations.list(caller.licenceId, licence.applications, offer.configuration)).find((c) => c.id === input.configurationId);
    const group = (await deps.entities.listGroups(caller.licenceId)).find((g) => g.id === input.entityGroupId);
    const errors: FieldError[] = [];
    if (configuration === undefined) errors.push(fieldError('configurationId', 'not_found', 'is not a rights configuration of this licence'));
    else if (!configuration.assignable) errors.push(fieldError('configurationId', 'not_assignable', 'is not a configuration you may grant'));
    if (group === undefined) errors.push(fieldError('entityGroupId', 'not_found', 'is not an entity group of this licence'));
    else if (!offer.entityGroup(group.entities.map((entity) => entity.id))) errors.push(fieldError('entityGroupId', 'not_assignable', 'holds entities outside your own entity group'));
    if (errors.length > 0) throw new Problem('validation_failed', invalidFieldsDetail(errors), { errors });
  };

  return {
    scimBaseUrl: `${ctx.config.publicUrl.replace(/\/$/, '')}/scim/v2`,
    list: async (licenceId: string) => (await store.listTokens(ctx.db, licenceId)).map(presentToken),

    /** A new token: shown once in the answer, stored only as its hash. */
    async create(caller: TokenCaller, input: { name: string; configurationId: string; entityGroupId: string }) {
      await ensureGrantable(caller, input);
      // Names its licence, where it is looked up (platform/licence-tokens.ts).
      const token = licenceToken(caller.licenceId, 'gps_');
      const id = randomUUID();
      await ctx.transaction(async (tx) => {
        const now = ctx.now();
        await store.insertToken(tx, { licenceId: caller.licenceId, id, name: input.name, tokenHash: hashToken(token), configurationId: input.configurationId, entityGroupId: input.entityGroupId, createdBy: caller.userId, createdAt: now });
        await recordAudit(
          tx,
          caller.audit,
          { licenceId: caller.licenceId, action: 'provisioning-token.create', target: { kind: 'provisioning-token', id, name: input.name }, after: { configurationId: input.configurationId, entityGroupId: input.entityGroupId } },
          now,
        );
      });
      return { id, name: input.name, token };
    },

    /** Refused from the next request on, by every process (tokens are looked up on each request). Revoking twice changes nothing. */
    async revoke(caller: TokenCaller, id: string) {
      return ctx.transaction(async (tx) => {
        const found = await store.findToken(tx, caller.licenceId, id);
        ensure(found !== null, notFound('provisioning token'));
        const now = ctx.now();
        if (await store.revokeToken(tx, caller.licenceId, id, now)) {
          await recordAudit(tx, caller.audit, { licenceId: caller.licenceId, action: 'provisioning-token.revoke', target: { kind: 'provisioning-token', id, name: found.name }, before: { revoked: false }, after: { revoked: true } }, now);
        }
        const revoked = await store.findToken(tx, caller.licenceId, id);
        return presentToken(revoked ?? found);
      });
    },
  };
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;
