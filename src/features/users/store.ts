import { and, asc, count, eq, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { perExecutor, value } from '../../platform/db/prepared.ts';
import { apiAccounts, entities, entityGroupMembers, entityGroups, licences, rightsConfigurations, users, userTotp } from '../../platform/db/schema.ts';
import { searchPlan, type SampledUser } from '../../core/search-terms.ts';

// Queries on users and the licence data a user refers to. Every query names the licence: the tenant fence.

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;

const userView = {
  user: users,
  configuration: { id: rightsConfigurations.id, key: rightsConfigurations.key, name: rightsConfigurations.name, kind: rightsConfigurations.kind },
  entityGroup: { id: entityGroups.id, name: entityGroups.name },
  defaultEntity: { id: entities.id, code: entities.code, name: entities.name },
};
export type UserView = {
  user: UserRow;
  configuration: { id: string; key: string; name: string; kind: 'standard' | 'internal' | 'custom' };
  entityGroup: { id: string; name: string };
  defaultEntity: { id: string; code: string; name: string };
};

function selectUserViews(executor: Executor) {
  return executor
    .select(userView)
    .from(users)
    .innerJoin(rightsConfigurations, and(eq(rightsConfigurations.licenceId, users.licenceId), eq(rightsConfigurations.id, users.configurationId)))
    .innerJoin(entityGroups, and(eq(entityGroups.licenceId, users.licenceId), eq(entityGroups.id, users.entityGroupId)))
    .innerJoin(entities, and(eq(entities.licenceId, users.licenceId), eq(entities.id, users.defaultEntityId)));
}

export async function findUserView(executor: Executor, licenceId: string, userId: string): Promise<UserView | null> {
  const [row] = await selectUserViews(executor).where(and(eq(users.licenceId, licenceId), eq(users.id, userId))).limit(1);
  return row ?? null;
}

export async function findUser(executor: Executor, licenceId: string, userId: string, options: { lock?: boolean } = {}): Promise<UserRow | null> {
  const query = executor.select().from(users).where(and(eq(users.licenceId, licenceId), eq(users.id, userId))).limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  return row ?? null;
}

/** The expression the trigram index and the list index cover: search must use exactly this to be served by them. */
const searchText = sql<string>`lower(${users.login} || ' ' || ${users.firstName} || ' ' || ${users.lastName} || ' ' || ${users.email})`;
const loginKey = sql<string>`lower(${users.login})`;

const likePattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * A search walks the licence's list in order (`users_list_idx`, which holds the search text: no
 * table row is read to test one) for at most this many entries, however rare the term: a few
 * milliseconds at this size. A licence with more goes to the trigram index: its entries are the whole
 * table's, so a trigram every user has (an e-mail domain's `cus`, `tom`) costs pages in proportion
 * to the table, not the licence (bench/users/README.md).
 */
export const SEARCH_WALK_LIMIT = 20_000;
/** How long a licence found too big to walk is searched by its sample without being walked first, and how many such licences are kept. */
const BIG_LICENCE_KEPT_MS = 60_000;
const BIG_LICENCES_KEPT = 200;
/** How many of a big licence's users are read (when it is found big) to tell its common trigrams (core/search-terms.ts). */
export const TRIGRAM_SAMPLE = 1_000;
/** How far a big licence's list is walked for a term its sample finds frequent and early (a few milliseconds a 10,000 entries). */
const FREQUENT_TERM_WALK = 100_000;

/** How a search goes: its walk's length and its trigram sample's size (tests lower them). */
export interface SearchTuning {
  walkLimit: number;
  sampleSize: number;
}
const SEARCH_TUNING: SearchTuning = { walkLimit: SEARCH_WALK_LIMIT, sampleSize: TRIGRAM_SAMPLE };

export async function listUserViews(
  executor: Executor,
  licenceId: string,
  filter: { status: 'active' | 'deactivated'; q?: string; after: [string, string] | null; limit: number },
  { walkLimit, sampleSize }: SearchTuning = SEARCH_TUNING,
): Promise<UserView[]> {
  const statements = listStatements.of(executor);
  const after = filter.after === null ? {} : { afterLogin: filter.after[0], afterId: filter.after[1] };
  const shape = filter.after === null ? 'first' : 'after';
  if (!filter.q) return statements.page[shape].execute({ licenceId, status: filter.status, ...after, limit: filter.limit + 1 });
  // A search chooses the ids of the page first, then reads those rows only.
  const take = filter.limit + 1;
  const values = { licenceId, status: filter.status, ...after, pattern: likePattern(filter.q), take, walkLimit };
  const ids = await statements.searchIds(shape, values, filter.q.toLowerCase(), sampleSize);
  if (ids.length === 0) return [];
  return statements.byIds.execute({ licenceId, ids });
}

/**
 * An unnamed statement: PostgreSQL plans it at each run, with its values. A search's plan depends on
 * its term (a rare one is found by the trigram index, a frequent one by walking the list), and a page's
 * on its size: a statement planned once for any value (a generic plan) would lose both (for a LIMIT it
 * does not know, the planner expects a tenth of the rows).
 */
const PLANNED_EACH_TIME = '';

/**
 * The list's statements (the console's most read screen), built once per database instead of by
 * Drizzle on every request (the largest part of a list request's CPU in a profile): a page of the list
 * and a search bind only values. PostgreSQL plans each run with its values (PLANNED_EACH_TIME).
 */
const listStatements = perExecutor((executor) => {
  const conditions = (after: boolean): SQL[] => [
    eq(users.licenceId, value('licenceId')),
    eq(users.status, value('status')),
    ...(after ? [sql`(${loginKey}, ${users.id}) > (${value('afterLogin')}, ${value('afterId')}::uuid)`] : []),
  ];
  const page = (after: boolean) =>
    selectUserViews(executor)
      .where(and(...conditions(after)))
      .orderBy(asc(loginKey), asc(users.id))
      .limit(value('limit'))
      .prepare(PLANNED_EACH_TIME);

  // How many users the licence holds, up to `most`: in key order, so that the count reads the primary
  // key's entries of the licence (index only), never the table: where one licence holds most rows, a
  // scan stopped early looks cheap to the planner.
  const licenceUsers = executor
    .select({ one: sql`1`.as('one') })
    .from(users)
    .where(eq(users.licenceId, value('licenceId')))
    .orderBy(asc(users.licenceId), asc(users.id))
    .limit(value('most'))
    .as('licence_users');
  const licenceSize = executor.select({ users: count() }).from(licenceUsers).prepare(PLANNED_EACH_TIME);

  // The licence's list in order from the cursor, each entry tested as it comes (from the index
  // alone), until the page is full or `walkLimit` entries were read. The LIMIT of the inner query
  // keeps the test outside it, so that the planner walks the list rather than reaching for the
  // trigram index. (Numbering the entries in the same statement, with row_number(), to tell whether
  // the walk reached the list's end, made PostgreSQL compute each entry's search text again instead
  // of reading it from the index: three to four times the cost of a walk.)
  const searchByWalk = (after: boolean) => {
    const walk = executor
      .select({ id: users.id, loginKey: loginKey.as('login_key'), searchText: searchText.as('search_text') })
      .from(users)
      .where(and(...conditions(after)))
      .orderBy(asc(loginKey), asc(users.id))
      .limit(value('walkLimit'))
      .as('walk');
    return executor
      .select({ id: walk.id })
      .from(walk)
      .where(sql`${walk.searchText} LIKE ${value('pattern')}`)
      .orderBy(asc(walk.loginKey), asc(walk.id))
      .limit(value('take'))
      .prepare(PLANNED_EACH_TIME);
  };
  // The planner's choice: the trigram index and a sort of the matches, or the list walked for a frequent term.
  const searchByIndex = (after: boolean) =>
    executor
      .select({ id: users.id })
      .from(users)
      .where(and(...conditions(after), sql`${searchText} LIKE ${value('pattern')}`))
      .orderBy(asc(loginKey), asc(users.id))
      .limit(value('take'))
      .prepare(PLANNED_EACH_TIME);

  // The same, the index asked only for a stretch of the term (`narrow`, core/search-terms.ts) and the
  // whole term tested on the rows it finds: `|| ''` keeps that test out of the index's reach.
  const searchByNarrowedIndex = (after: boolean) =>
    executor
      .select({ id: users.id })
      .from(users)
      .where(and(...conditions(after), sql`${searchText} LIKE ${value('narrow')}`, sql`(${searchText} || '') LIKE ${value('pattern')}`))
      .orderBy(asc(loginKey), asc(users.id))
      .limit(value('take'))
      .prepare(PLANNED_EACH_TIME);
  // A sample of the licence's users: the first in id order, ids being random (version 4 UUIDs).
  const trigramSample = executor
    .select({ text: searchText, loginKey })
    .from(users)
    .where(eq(users.licenceId, value('licenceId')))
    .orderBy(asc(users.licenceId), asc(users.id))
    .limit(value('size'))
    .prepare(PLANNED_EACH_TIME);

  const byIds = selectUserViews(executor)
    .where(and(eq(users.licenceId, value('licenceId')), sql`${users.id} = ANY(${value('ids')}::uuid[])`))
    .orderBy(asc(loginKey), asc(users.id))
    .prepare(PLANNED_EACH_TIME);

  const walks = { first: searchByWalk(false), after: searchByWalk(true) };
  const indexSearches = { first: searchByIndex(false), after: searchByIndex(true) };
  const narrowedSearches = { first: searchByNarrowedIndex(false), after: searchByNarrowedIndex(true) };
  // A search walks first: a frequent term fills its page within the walk, and nothing else is asked.
  // A page left short is the answer if the walk read the whole licence (at most `walkLimit` users);
  // otherwise the licence is big: a sample of its users is read, and its searches go as the sample
  // tells (core/search-terms.ts) while the licence is remembered as big. Every way gives the same
  // answers (only the cost differs), so a licence that has shrunk since is walked again when its mark
  // expires.
  const big = new Map<string, { until: number; sample: SampledUser[] }>();
  type SearchValues = { licenceId: string; status: string; pattern: string; take: number; walkLimit: number; afterLogin?: string; afterId?: string };
  const searchIds = async (shape: 'first' | 'after', values: SearchValues, term: string, sampleSize: number): Promise<string[]> => {
    const key = `${values.walkLimit} ${sampleSize} ${values.licenceId}`;
    let known = big.get(key);
    if ((known?.until ?? 0) <= Date.now()) {
      const found = (await walks[shape].execute(values)).map((row) => row.id);
      if (found.length >= values.take) return found;
      const [size] = await licenceSize.execute({ licenceId: values.licenceId, most: values.walkLimit + 1 });
      if ((size?.users ?? 0) <= values.walkLimit) return found;
      if (big.size >= BIG_LICENCES_KEPT) big.clear();
      const sample = await trigramSample.execute({ licenceId: values.licenceId, size: sampleSize });
      known = { until: Date.now() + BIG_LICENCE_KEPT_MS, sample: sample.sort((a, b) => (a.loginKey < b.loginKey ? -1 : a.loginKey > b.loginKey ? 1 : 0)) };
      big.set(key, known);
    }
    const plan = searchPlan(term, known?.sample ?? [], values.afterLogin ?? null);
    if (plan.kind === 'walk') {
      // A walk bounded all the same: should the sample have misled, the index answers after it.
      const found = (await walks[shape].execute({ ...values, walkLimit: FREQUENT_TERM_WALK })).map((row) => row.id);
      if (found.length >= values.take) return found;
    }
    if (plan.kind === 'narrowed') return (await narrowedSearches[shape].execute({ ...values, narrow: likePattern(plan.stretch) })).map((row) => row.id);
    return (await indexSearches[shape].execute(values)).map((row) => row.id);
  };

  return { page: { first: page(false), after: page(true) }, searchIds, byIds };
});

export async function loginExists(executor: Executor, licenceId: string, login: string): Promise<boolean> {
  const [row] = await executor
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.licenceId, licenceId), eq(loginKey, login.toLowerCase())))
    .limit(1);
  return row !== undefined;
}

/** Locks the licence row: seat counting and user creation in one licence take turns. */
export async function lockLicence(executor: Executor, licenceId: string) {
  const [row] = await executor.select().from(licences).where(eq(licences.id, licenceId)).for('update');
  return row ?? null;
}

export async function findLicence(executor: Executor, licenceId: string) {
  const [row] = await executor.select().from(licences).where(eq(licences.id, licenceId)).limit(1);
  return row ?? null;
}

/** Seats: active users that are not vendor staff. */
export async function countSeatsUsed(executor: Executor, licenceId: string, exceptUserId?: string): Promise<number> {
  const [row] = await executor
    .select({ used: count() })
    .from(users)
    .where(and(eq(users.licenceId, licenceId), eq(users.status, 'active'), eq(users.internal, false), exceptUserId ? ne(users.id, exceptUserId) : undefined));
  return row?.used ?? 0;
}

export async function insertUser(executor: Executor, row: NewUserRow): Promise<void> {
  await executor.insert(users).values(row);
}

export async function updateUser(executor: Executor, licenceId: string, userId: string, changes: Partial<NewUserRow>): Promise<void> {
  await executor.update(users).set(changes).where(and(eq(users.licenceId, licenceId), eq(users.id, userId)));
}

export async function deleteUser(executor: Executor, licenceId: string, userId: string): Promise<void> {
  await executor.delete(users).where(and(eq(users.licenceId, licenceId), eq(users.id, userId)));
}

export async function findConfiguration(executor: Executor, licenceId: string, configurationId: string) {
  const [row] = await executor
    .select()
    .from(rightsConfigurations)
    .where(and(eq(rightsConfigurations.licenceId, licenceId), eq(rightsConfigurations.id, configurationId)))
    .limit(1);
  return row ?? null;
}

/**
 * The configuration and group of whoever acts in the users app: a console user, or an API account
 * whose configuration includes user management.
 */
export async function findRightsHolder(executor: Executor, licenceId: string, id: string): Promise<{ configurationId: string; entityGroupId: string } | null> {
  const [user] = await executor
    .select({ configurationId: users.configurationId, entityGroupId: users.entityGroupId })
    .from(users)
    .where(and(eq(users.licenceId, licenceId), eq(users.id, id)))
    .limit(1);
  if (user !== undefined) return user;
  const [account] = await executor
    .select({ configurationId: apiAccounts.configurationId, entityGroupId: apiAccounts.entityGroupId })
    .from(apiAccounts)
    .where(and(eq(apiAccounts.licenceId, licenceId), eq(apiAccounts.id, id)))
    .limit(1);
  return account ?? null;
}

export async function findConfigurationByKey(executor: Executor, licenceId: string, key: string) {
  const [row] = await executor
    .select()
    .from(rightsConfigurations)
    .where(and(eq(rightsConfigurations.licenceId, licenceId), eq(rightsConfigurations.key, key)))
    .limit(1);
  return row ?? null;
}

/** The entity ids of a group of this licence, or null when the licence has no such group. */
export async function entityIdsOfGroup(executor: Executor, licenceId: string, entityGroupId: string): Promise<string[] | null> {
  const rows = await executor
    .select({ groupId: entityGroups.id, entityId: entityGroupMembers.entityId })
    .from(entityGroups)
    .leftJoin(entityGroupMembers, and(eq(entityGroupMembers.licenceId, entityGroups.licenceId), eq(entityGroupMembers.entityGroupId, entityGroups.id)))
    .where(and(eq(entityGroups.licenceId, licenceId), eq(entityGroups.id, entityGroupId)));
  if (rows.length === 0) return null;
  return rows.flatMap((row) => (row.entityId === null ? [] : [row.entityId]));
}

export async function entitiesOfGroup(executor: Executor, licenceId: string, entityGroupId: string) {
  return executor
    .select({ id: entities.id, code: entities.code, name: entities.name })
    .from(entityGroupMembers)
    .innerJoin(entities, and(eq(entities.licenceId, entityGroupMembers.licenceId), eq(entities.id, entityGroupMembers.entityId)))
    .where(and(eq(entityGroupMembers.licenceId, licenceId), eq(entityGroupMembers.entityGroupId, entityGroupId)))
    .orderBy(asc(entities.code));
}

/** Active users who would need a mobile for two-factor sign-in and have none. */
export async function activeUsersWithoutMobile(executor: Executor, licenceId: string) {
  return executor
    .select({ id: users.id, login: users.login })
    .from(users)
    .where(and(eq(users.licenceId, licenceId), eq(users.status, 'active'), eq(users.internal, false), or(sql`${users.mobile} IS NULL`, eq(users.mobile, ''))))
    .orderBy(asc(loginKey));
}

export async function activeResettableUsers(executor: Executor, licenceId: string) {
  return executor
    .select({ id: users.id, email: users.email, language: users.language, firstName: users.firstName, login: users.login, configurationId: users.configurationId, entityGroupId: users.entityGroupId })
    .from(users)
    .where(and(eq(users.licenceId, licenceId), eq(users.status, 'active'), eq(users.internal, false)));
}

export async function clearPasswords(executor: Executor, licenceId: string, userIds: readonly string[], now: Date): Promise<void> {
  if (userIds.length === 0) return;
  await executor
    .update(users)
    .set({ passwordHash: null, updatedAt: now })
    .where(and(eq(users.licenceId, licenceId), inArray(users.id, [...userIds])));
}


/** Removes a user's authenticator app; answers whether they had one. */
export async function deleteAuthenticator(executor: Executor, licenceId: string, userId: string): Promise<boolean> {
  const removed = await executor
    .delete(userTotp)
    .where(and(eq(userTotp.licenceId, licenceId), eq(userTotp.userId, userId)))
    .returning({ userId: userTotp.userId });
  return removed.length > 0;
}
