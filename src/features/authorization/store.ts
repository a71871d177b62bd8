import { and, eq } from 'drizzle-orm';
import type { LicenceSnapshotInput, SnapshotUser } from '../../core/decision.ts';
import type { ConfigurationDefinition } from '../../core/rights-configurations.ts';
import type { Executor } from '../../platform/db/client.ts';
import { apiAccounts, entities, entityGroupMembers, licences, rightsConfigurations, users } from '../../platform/db/schema.ts';

// What a licence's decision snapshot is built from, read in one transaction so the parts agree.

const userColumns = { id: users.id, login: users.login, status: users.status, configurationId: users.configurationId, entityGroupId: users.entityGroupId };
const apiAccountColumns = { id: apiAccounts.id, login: apiAccounts.login, status: apiAccounts.status, configurationId: apiAccounts.configurationId, entityGroupId: apiAccounts.entityGroupId };

/**
 * API accounts are decided like users, by id. Their logins live apart from console logins, so in a
 * snapshot they carry a prefix no console login can have ('/' is not allowed in logins).
 */
export const API_ACCOUNT_LOGIN_PREFIX = 'api/';
const asSnapshotUser = (row: SnapshotUser): SnapshotUser => ({ ...row, login: API_ACCOUNT_LOGIN_PREFIX + row.login });

export async function findLicenceId(executor: Executor, code: string): Promise<string | null> {
  const [row] = await executor.select({ id: licences.id }).from(licences).where(eq(licences.code, code)).limit(1);
  return row?.id ?? null;
}

export async function loadSnapshotInput(executor: Executor, licenceId: string): Promise<LicenceSnapshotInput | null> {
  const [licence] = await executor.select({ applications: licences.applications }).from(licences).where(eq(licences.id, licenceId)).limit(1);
  if (licence === undefined) return null;
  // One after another: the queries share the transaction's single connection.
  const configurationRows = await executor.select({ id: rightsConfigurations.id, kind: rightsConfigurations.kind, key: rightsConfigurations.key, steps: rightsConfigurations.steps }).from(rightsConfigurations).where(eq(rightsConfigurations.licenceId, licenceId));
  const entityRows = await executor.select({ id: entities.id, code: entities.code }).from(entities).where(eq(entities.licenceId, licenceId));
  const memberRows = await executor.select({ groupId: entityGroupMembers.entityGroupId, entityId: entityGroupMembers.entityId }).from(entityGroupMembers).where(eq(entityGroupMembers.licenceId, licenceId));
  const userRows = await executor.select(userColumns).from(users).where(eq(users.licenceId, licenceId));
  const apiAccountRows = await executor.select(apiAccountColumns).from(apiAccounts).where(eq(apiAccounts.licenceId, licenceId));
  const groups = new Map<string, string[]>();
  for (const member of memberRows) {
    const list = groups.get(member.groupId) ?? [];
    list.push(member.entityId);
    groups.set(member.groupId, list);
  }
  return {
    licenceId,
    applications: licence.applications,
    configurations: configurationRows.map((row) => ({
      id: row.id,
      definition: (row.kind === 'custom' ? { kind: 'custom', steps: row.steps } : { kind: row.kind, key: row.key }) satisfies ConfigurationDefinition,
    })),
    entities: entityRows,
    entityGroups: [...groups].map(([id, entityIds]) => ({ id, entityIds })),
    users: [...userRows, ...apiAccountRows.map(asSnapshotUser)],
  };
}

export async function loadSnapshotUser(executor: Executor, licenceId: string, userId: string): Promise<SnapshotUser | null> {
  const [row] = await executor.select(userColumns).from(users).where(and(eq(users.licenceId, licenceId), eq(users.id, userId))).limit(1);
  if (row !== undefined) return row;
  const [account] = await executor.select(apiAccountColumns).from(apiAccounts).where(and(eq(apiAccounts.licenceId, licenceId), eq(apiAccounts.id, userId))).limit(1);
  return account === undefined ? null : asSnapshotUser(account);
}
