import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.ts';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { Executor } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { ensure, fieldError, invalidField, Problem } from '../../platform/http/problems.ts';
import * as store from './store.ts';

// Entities partition a licence's data; entity groups are what users are granted. Every entity also
// forms a group of its own, so a single entity can always be granted.

export function createEntitiesService(ctx: AppContext) {
  async function createEntityInTransaction(executor: Executor, licenceId: string, input: { code: string; name: string }) {
    const id = randomUUID();
    const groupId = randomUUID();
    await store.insertEntity(executor, { licenceId, id, ...input });
    await store.insertGroup(executor, { licenceId, id: groupId, name: input.name, entityId: id }, [id]);
    return { id, groupId, ...input };
  }

  /** Codes and names are unique in a licence; the constraint answers, and we name the field. */
  const uniqueProblem = (error: unknown, input: { code?: string; name: string }) => {
    if (isUniqueViolation(error, 'entities_licence_id_code_key')) return invalidField('code', 'taken', { en: `an entity "${input.code}" exists already`, fr: `une entité « ${input.code} » existe déjà` });
    if (isUniqueViolation(error, 'entity_groups_licence_id_name_key')) return invalidField('name', 'taken', { en: `a group named "${input.name}" exists already`, fr: `un groupe nommé « ${input.name} » existe déjà` });
    return error;
  };

  return {
    createEntityInTransaction,

    async createEntity(licenceId: string, input: { code: string; name: string }, actor: AuditActor) {
      try {
        return await ctx.transaction(async (tx, announce) => {
          const entity = await createEntityInTransaction(tx, licenceId, input);
          await recordAudit(tx, actor, { licenceId, action: 'entity.create', target: { kind: 'entity', id: entity.id, name: input.code }, after: input }, ctx.now());
          await announce({ kind: 'licence', licenceId });
          return entity;
        });
      } catch (error) {
        throw uniqueProblem(error, input);
      }
    },

    async createGroup(licenceId: string, input: { name: string; entityIds: string[] }, actor: AuditActor) {
      const entityIds = [...new Set(input.entityIds)];
      try {
        return await ctx.transaction(async (tx, announce) => {
          const known = await store.existingEntityIds(tx, licenceId, entityIds);
          const errors = entityIds.flatMap((id, index) => (known.has(id) ? [] : [fieldError(`entityIds.${index}`, 'not_found', 'is not an entity of this licence')]));
          ensure(errors.length === 0, new Problem('validation_failed', { en: 'Some entities are not of this licence', fr: 'Des entités ne sont pas de cette licence' }, { errors }));
          const id = randomUUID();
          await store.insertGroup(tx, { licenceId, id, name: input.name, entityId: null }, entityIds);
          await recordAudit(tx, actor, { licenceId, action: 'entity_group.create', target: { kind: 'entity_group', id, name: input.name }, after: { name: input.name, entityIds } }, ctx.now());
          await announce({ kind: 'licence', licenceId });
          const [group] = await store.listGroupsWithEntities(tx, licenceId, id);
          return group!;
        });
      } catch (error) {
        throw uniqueProblem(error, input);
      }
    },

    listEntities: (licenceId: string) => store.listEntities(ctx.db, licenceId),
    listGroups: (licenceId: string) => store.listGroupsWithEntities(ctx.db, licenceId),
  };
}

export type EntitiesService = ReturnType<typeof createEntitiesService>;
