import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { entities, entityGroupMembers, entityGroups } from '../../platform/db/schema.ts';

export async function insertEntity(executor: Executor, row: { licenceId: string; id: string; code: string; name: string }): Promise<void> {
  await executor.insert(entities).values(row);
}

export async function insertGroup(executor: Executor, row: { licenceId: string; id: string; name: string; entityId: string | null }, entityIds: readonly string[]): Promise<void> {
  await executor.insert(entityGroups).values(row);
  if (entityIds.length > 0) {
    await executor.insert(entityGroupMembers).values(entityIds.map((entityId) => ({ licenceId: row.licenceId, entityGroupId: row.id, entityId })));
  }
}

export async function listEntities(executor: Executor, licenceId: string) {
  return executor
    .select({ id: entities.id, code: entities.code, name: entities.name })
    .from(entities)
    .where(eq(entities.licenceId, licenceId))
    .orderBy(asc(entities.code));
}

export async function existingEntityIds(executor: Executor, licenceId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await executor
    .select({ id: entities.id })
    .from(entities)
    .where(and(eq(entities.licenceId, licenceId), inArray(entities.id, [...ids])));
  return new Set(rows.map((row) => row.id));
}

/** Every group of the licence with its entities, groups in name order. */
export async function listGroupsWithEntities(executor: Executor, licenceId: string, groupId?: string) {
  const rows = await executor
    .select({
      groupId: entityGroups.id,
      groupName: entityGroups.name,
      ownEntityId: entityGroups.entityId,
      entityId: entities.id,
      entityCode: entities.code,
      entityName: entities.name,
    })
    .from(entityGroups)
    .leftJoin(entityGroupMembers, and(eq(entityGroupMembers.licenceId, entityGroups.licenceId), eq(entityGroupMembers.entityGroupId, entityGroups.id)))
    .leftJoin(entities, and(eq(entities.licenceId, entityGroupMembers.licenceId), eq(entities.id, entityGroupMembers.entityId)))
    .where(and(eq(entityGroups.licenceId, licenceId), groupId === undefined ? undefined : eq(entityGroups.id, groupId)))
    .orderBy(asc(entityGroups.name), asc(entities.code));
  const groups = new Map<string, { id: string; name: string; singleEntity: boolean; entities: { id: string; code: string; name: string }[] }>();
  for (const row of rows) {
    let group = groups.get(row.groupId);
    if (group === undefined) {
      group = { id: row.groupId, name: row.groupName, singleEntity: row.ownEntityId !== null, entities: [] };
      groups.set(row.groupId, group);
    }
    if (row.entityId !== null && row.entityCode !== null && row.entityName !== null) group.entities.push({ id: row.entityId, code: row.entityCode, name: row.entityName });
  }
  return [...groups.values()];
}
