import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { apiAccountRequests, apiAccounts, entityGroups, licences, rightsConfigurations, users } from '../../platform/db/schema.ts';

export type RequestRow = typeof apiAccountRequests.$inferSelect;
export type AccountRow = typeof apiAccounts.$inferSelect;

const loginKey = (column: typeof apiAccounts.login | typeof apiAccountRequests.login) => sql`lower(${column})`;

/** Whether a login is held by an account or a pending request of the licence. */
export async function apiLoginHeld(executor: Executor, licenceId: string, login: string): Promise<boolean> {
  const [account] = await executor.select({ id: apiAccounts.id }).from(apiAccounts).where(and(eq(apiAccounts.licenceId, licenceId), eq(loginKey(apiAccounts.login), login.toLowerCase()))).limit(1);
  if (account) return true;
  const [request] = await executor
    .select({ id: apiAccountRequests.id })
    .from(apiAccountRequests)
    .where(and(eq(apiAccountRequests.licenceId, licenceId), eq(apiAccountRequests.status, 'pending'), eq(loginKey(apiAccountRequests.login), login.toLowerCase())))
    .limit(1);
  return request !== undefined;
}

/** How many users of the licence have this e-mail (any status): more than one makes it ambiguous. */
export async function countUsersByEmail(executor: Executor, licenceId: string, email: string): Promise<number> {
  const [row] = await executor
    .select({ count: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.licenceId, licenceId), eq(sql`lower(${users.email})`, email.toLowerCase())));
  return row?.count ?? 0;
}

/** Holders named by user id, with what deciding their delivery needs: their rights configuration and their mobile. */
export async function findHolderUsers(executor: Executor, licenceId: string, userIds: readonly string[]) {
  if (userIds.length === 0) return [];
  return executor
    .select({
      id: users.id,
      login: users.login,
      firstName: users.firstName,
      lastName: users.lastName,
      email: users.email,
      mobile: users.mobile,
      language: users.language,
      status: users.status,
      protected: users.protected,
      configurationId: users.configurationId,
      entityGroupId: users.entityGroupId,
      configuration: { kind: rightsConfigurations.kind, key: rightsConfigurations.key, steps: rightsConfigurations.steps },
    })
    .from(users)
    .innerJoin(rightsConfigurations, and(eq(rightsConfigurations.licenceId, users.licenceId), eq(rightsConfigurations.id, users.configurationId)))
    .where(and(eq(users.licenceId, licenceId), inArray(users.id, [...userIds])));
}
export type HolderUserRow = Awaited<ReturnType<typeof findHolderUsers>>[number];

export async function licenceApplications(executor: Executor, licenceId: string): Promise<string[]> {
  const [row] = await executor.select({ applications: licences.applications }).from(licences).where(eq(licences.id, licenceId)).limit(1);
  return row?.applications ?? [];
}

export async function findRequester(executor: Executor, licenceId: string, userId: string) {
  const [row] = await executor.select({ login: users.login, email: users.email, language: users.language }).from(users).where(and(eq(users.licenceId, licenceId), eq(users.id, userId))).limit(1);
  return row ?? null;
}

/** The language of the admin who asked for an account: an outside holder's secret is written in it. */
export async function requestLanguage(executor: Executor, licenceId: string, requestId: string | null): Promise<string | null> {
  if (requestId === null) return null;
  const [row] = await executor
    .select({ language: apiAccountRequests.requestedByLanguage })
    .from(apiAccountRequests)
    .where(and(eq(apiAccountRequests.licenceId, licenceId), eq(apiAccountRequests.id, requestId)))
    .limit(1);
  return row?.language ?? null;
}

export async function insertRequest(executor: Executor, row: typeof apiAccountRequests.$inferInsert): Promise<void> {
  await executor.insert(apiAccountRequests).values(row);
}

/** The holder's console account as it is now, beside what the request recorded: the operator sees who it is. */
const holderUserColumns = { login: users.login, firstName: users.firstName, lastName: users.lastName, email: users.email, mobile: users.mobile };
export type HolderUserView = { login: string; firstName: string; lastName: string; email: string; mobile: string | null } | null;

export async function listRequests(executor: Executor, filter: { licenceId?: string; status?: RequestRow['status']; after: [string, string] | null; limit: number }) {
  const conditions: SQL[] = [];
  if (filter.licenceId) conditions.push(eq(apiAccountRequests.licenceId, filter.licenceId));
  if (filter.status) conditions.push(eq(apiAccountRequests.status, filter.status));
  if (filter.after) conditions.push(sql`(${apiAccountRequests.createdAt}, ${apiAccountRequests.id}) < (${filter.after[0]}::timestamptz, ${filter.after[1]}::uuid)`);
  return executor
    .select({ request: apiAccountRequests, licenceCode: licences.code, holderUser: holderUserColumns })
    .from(apiAccountRequests)
    .innerJoin(licences, eq(licences.id, apiAccountRequests.licenceId))
    .leftJoin(users, and(eq(users.licenceId, apiAccountRequests.licenceId), eq(users.id, apiAccountRequests.holderUserId)))
    .where(and(...conditions))
    .orderBy(desc(apiAccountRequests.createdAt), desc(apiAccountRequests.id))
    .limit(filter.limit + 1);
}

/** A request by id alone (operators see every licence's), locked for a decision. */
export async function findRequestForDecision(executor: Executor, requestId: string) {
  const [row] = await executor.select().from(apiAccountRequests).where(eq(apiAccountRequests.id, requestId)).limit(1).for('update');
  return row ?? null;
}

export async function decideRequest(executor: Executor, request: RequestRow, changes: Pick<RequestRow, 'status' | 'reason' | 'decidedAt' | 'decidedBy' | 'apiAccountId' | 'delivery'>): Promise<void> {
  await executor.update(apiAccountRequests).set(changes).where(and(eq(apiAccountRequests.licenceId, request.licenceId), eq(apiAccountRequests.id, request.id)));
}

export async function insertAccount(executor: Executor, row: typeof apiAccounts.$inferInsert): Promise<void> {
  await executor.insert(apiAccounts).values(row);
}

const accountView = {
  account: apiAccounts,
  holderUser: holderUserColumns,
  configuration: { id: rightsConfigurations.id, name: rightsConfigurations.name, kind: rightsConfigurations.kind },
  entityGroup: { id: entityGroups.id, name: entityGroups.name },
};

function selectAccounts(executor: Executor) {
  return executor
    .select(accountView)
    .from(apiAccounts)
    .innerJoin(rightsConfigurations, and(eq(rightsConfigurations.licenceId, apiAccounts.licenceId), eq(rightsConfigurations.id, apiAccounts.configurationId)))
    .innerJoin(entityGroups, and(eq(entityGroups.licenceId, apiAccounts.licenceId), eq(entityGroups.id, apiAccounts.entityGroupId)))
    .leftJoin(users, and(eq(users.licenceId, apiAccounts.licenceId), eq(users.id, apiAccounts.holderUserId)));
}
export type AccountView = Awaited<ReturnType<typeof findAccountView>> & object;

export async function findAccountView(executor: Executor, licenceId: string, id: string) {
  const [row] = await selectAccounts(executor).where(and(eq(apiAccounts.licenceId, licenceId), eq(apiAccounts.id, id))).limit(1);
  return row ?? null;
}

export async function listAccountViews(executor: Executor, licenceId: string, after: [string, string] | null, limit: number) {
  return selectAccounts(executor)
    .where(and(eq(apiAccounts.licenceId, licenceId), after ? sql`(${loginKey(apiAccounts.login)}, ${apiAccounts.id}) > (${after[0]}, ${after[1]}::uuid)` : undefined))
    .orderBy(asc(loginKey(apiAccounts.login)), asc(apiAccounts.id))
    .limit(limit + 1);
}

export async function findAccount(executor: Executor, licenceId: string, id: string, options: { lock?: boolean } = {}) {
  const query = executor.select().from(apiAccounts).where(and(eq(apiAccounts.licenceId, licenceId), eq(apiAccounts.id, id))).limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  return row ?? null;
}

/** The account a client id names: `<licence code>/<login>`. */
export async function findAccountByClientId(executor: Executor, licenceCode: string, login: string) {
  const [row] = await executor
    .select({ account: apiAccounts })
    .from(apiAccounts)
    .innerJoin(licences, eq(licences.id, apiAccounts.licenceId))
    .where(and(eq(licences.code, licenceCode), eq(loginKey(apiAccounts.login), login.toLowerCase())))
    .limit(1);
  return row?.account ?? null;
}

export async function updateAccount(executor: Executor, licenceId: string, id: string, changes: Partial<typeof apiAccounts.$inferInsert>): Promise<void> {
  await executor.update(apiAccounts).set(changes).where(and(eq(apiAccounts.licenceId, licenceId), eq(apiAccounts.id, id)));
}

export async function findLicenceName(executor: Executor, licenceId: string) {
  const [row] = await executor.select({ code: licences.code, name: licences.name }).from(licences).where(eq(licences.id, licenceId)).limit(1);
  return row ?? null;
}

export async function configurationOf(executor: Executor, licenceId: string, id: string) {
  const [row] = await executor
    .select({ id: rightsConfigurations.id, kind: rightsConfigurations.kind, key: rightsConfigurations.key, name: rightsConfigurations.name })
    .from(rightsConfigurations)
    .where(and(eq(rightsConfigurations.licenceId, licenceId), eq(rightsConfigurations.id, id)))
    .limit(1);
  return row ?? null;
}

export async function entityGroupOf(executor: Executor, licenceId: string, id: string) {
  const [row] = await executor.select({ id: entityGroups.id }).from(entityGroups).where(and(eq(entityGroups.licenceId, licenceId), eq(entityGroups.id, id))).limit(1);
  return row ?? null;
}
