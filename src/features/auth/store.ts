import { and, asc, desc, eq, gt, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { hashToken } from '../../platform/crypto.ts';
import type { Executor } from '../../platform/db/client.ts';
import { perExecutor, PreparedStatements, value, type StatementParts } from '../../platform/db/prepared.ts';
import { licenceOfToken } from '../../platform/licence-tokens.ts';
import { entities, entityGroupMembers, licences, passwordTokens, rightsConfigurations, sessions, signInAccesses, signInChallenges, users, userTotp } from '../../platform/db/schema.ts';

/**
 * The account a sign-in names, with its licence, whether it holds a confirmed authenticator app and
 * the licence's policies on the session it would open (one round trip, a statement prepared once
 * per database: every password sign-in runs it).
 */
export async function findUserForSignIn(executor: Executor, licenceCode: string, login: string) {
  const [row] = await userForSignIn.of(executor).execute({ licence: licenceCode, login: login.toLowerCase() });
  return row ?? null;
}

const userForSignIn = perExecutor((executor) =>
  executor
    .select({
      user: users,
      licence: { id: licences.id, code: licences.code, name: licences.name, twoFactor: licences.twoFactor },
      totpEnrolled: sql<boolean>`${userTotp.confirmedAt} IS NOT NULL`,
      // The licence's policies a session opened now must follow, read here rather than once more each.
      policies: {
        factorRequiredForAdmins: licences.passkeyOrAuthenticatorRequiredForAdmins,
        renewalMonths: licences.passwordRenewalMonths,
        renewalReminderDays: licences.passwordRenewalReminderDays,
      },
    })
    .from(users)
    .innerJoin(licences, eq(licences.id, users.licenceId))
    .leftJoin(userTotp, and(eq(userTotp.licenceId, users.licenceId), eq(userTotp.userId, users.id)))
    .where(and(eq(licences.code, value('licence')), eq(sql`lower(${users.login})`, value('login'))))
    .limit(1)
    .prepare('gatehouse_user_for_sign_in'),
);

/** The account as its holder sees it, read back by the statement that opens their session. */
export interface SignedInAccount {
  user: { licenceId: string; id: string; login: string; firstName: string; lastName: string; email: string; mobile: string | null; gender: 'female' | 'male' | 'unspecified' | null; language: string; lastLoginAt: Date | null; defaultEntityId: string };
  licence: { code: string; name: string };
  configuration: { id: string; name: string; kind: 'standard' | 'internal' | 'custom' };
  entities: { id: string; code: string; name: string }[];
  /** The user's newest sign-in before this one, from the access log. */
  previousLoginAt: Date | null;
  totpEnrolled: boolean;
}

const dateOf = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

/** What the statement that opens a session answers: the account as its holder sees it. */
interface SignInRow {
  licence_id: string; id: string; login: string; first_name: string; last_name: string; email: string; mobile: string | null; gender: SignedInAccount['user']['gender']; language: string;
  last_login_at: Date | string | null; default_entity_id: string; licence_code: string; licence_name: string; configuration_id: string; configuration_name: string;
  configuration_kind: SignedInAccount['configuration']['kind']; entities: SignedInAccount['entities'] | string; previous_login_at: Date | string | null; totp_enrolled: boolean;
}

/** The statements that open a session, one per shape of the parts riding in them (see recordSignInWithSession). */
const signInStatements = new PreparedStatements<Record<string, unknown>, SignInRow>();

function signInStatement(alsoWith: readonly SQL[]): SQL {
  const [licenceId, userId, at] = [value('licenceId'), value('userId'), value('at')];
  return sql`
    WITH ${sql.join([...alsoWith, sql``], sql`, `)}signed AS (
      UPDATE ${users} SET last_login_at = ${at}::timestamptz WHERE licence_id = ${licenceId} AND id = ${userId}
      RETURNING licence_id, id, login, first_name, last_name, email, mobile, gender, language, last_login_at, default_entity_id, entity_group_id, configuration_id
    ), logged AS (
      INSERT INTO ${signInAccesses} (licence_id, id, user_id, login, at, ip, user_agent)
      SELECT ${licenceId}, ${value('accessId')}, ${userId}, login, ${at}::timestamptz, ${value('ip')}, ${value('userAgent')} FROM signed
    ), opened AS (
      INSERT INTO ${sessions} (licence_id, id, user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent, support_visit_id, password_change_required, second_factor_enrolment_required)
      VALUES (${licenceId}, ${value('sessionId')}, ${userId}, ${value('tokenHash')}, ${at}::timestamptz, ${value('lastSeenAt')}::timestamptz, ${value('expiresAt')}::timestamptz,
              ${value('ip')}, ${value('userAgent')}, ${value('supportVisitId')}, ${value('passwordChangeRequired')}, ${value('secondFactorEnrolmentRequired')})
    )
    SELECT s.licence_id, s.id, s.login, s.first_name, s.last_name, s.email, s.mobile, s.gender, s.language, s.last_login_at, s.default_entity_id,
           l.code AS licence_code, l.name AS licence_name, c.id AS configuration_id, c.name AS configuration_name, c.kind AS configuration_kind,
           (SELECT coalesce(json_agg(json_build_object('id', e.id, 'code', e.code, 'name', e.name) ORDER BY e.code), '[]'::json)
              FROM ${entityGroupMembers} m JOIN ${entities} e ON e.licence_id = m.licence_id AND e.id = m.entity_id
             WHERE m.licence_id = s.licence_id AND m.entity_group_id = s.entity_group_id) AS entities,
           -- The statement sees the access log as it was before it: the line it writes is not among these.
           (SELECT a.at FROM ${signInAccesses} a
             WHERE a.licence_id = s.licence_id AND lower(a.login) = lower(s.login) AND a.user_id = s.id AND a.at < ${at}::timestamptz
             ORDER BY a.at DESC LIMIT 1) AS previous_login_at,
           EXISTS (SELECT 1 FROM ${userTotp} t WHERE t.licence_id = s.licence_id AND t.user_id = s.id AND t.confirmed_at IS NOT NULL) AS totp_enrolled
      FROM signed s
      JOIN ${licences} l ON l.id = s.licence_id
      JOIN ${rightsConfigurations} c ON c.licence_id = s.licence_id AND c.id = s.configuration_id`;
}

/**
 * A sign-in, written in one statement (one round trip, atomic without opening a transaction): the
 * user's last sign-in time, the line of the licence's access log (features/accesses; none when the
 * user is gone) and the session; the same statement answers the account as its holder sees it (what
 * `findAccount` and `signInBefore` read, with the user's row as the update left it), or null when
 * the user is gone. `alsoWith`: more data-modifying parts of the WITH clause to run in the same
 * statement (a sign-in's settlement of its throttle counts).
 */
export async function recordSignInWithSession(
  executor: Executor,
  session: typeof sessions.$inferInsert & { createdAt: Date },
  accessId: string,
  alsoWith: StatementParts = { shape: '', parts: [], values: {} },
): Promise<SignedInAccount | null> {
  const { licenceId, userId, createdAt: at } = session;
  const statement = signInStatements.of(alsoWith.shape, () => signInStatement(alsoWith.parts));
  const [row] = await statement.run(executor, {
    ...alsoWith.values,
    licenceId,
    userId,
    at,
    accessId,
    sessionId: session.id,
    tokenHash: session.tokenHash,
    lastSeenAt: session.lastSeenAt ?? at,
    expiresAt: session.expiresAt,
    ip: session.ip ?? null,
    userAgent: session.userAgent ?? null,
    supportVisitId: session.supportVisitId ?? null,
    passwordChangeRequired: session.passwordChangeRequired ?? false,
    secondFactorEnrolmentRequired: session.secondFactorEnrolmentRequired ?? false,
  });
  if (row === undefined) return null;
  return {
    user: {
      licenceId: row.licence_id, id: row.id, login: row.login, firstName: row.first_name, lastName: row.last_name, email: row.email, mobile: row.mobile,
      gender: row.gender, language: row.language, lastLoginAt: dateOf(row.last_login_at), defaultEntityId: row.default_entity_id,
    },
    licence: { code: row.licence_code, name: row.licence_name },
    configuration: { id: row.configuration_id, name: row.configuration_name, kind: row.configuration_kind },
    entities: typeof row.entities === 'string' ? (JSON.parse(row.entities) as SignedInAccount['entities']) : row.entities,
    previousLoginAt: dateOf(row.previous_login_at),
    totpEnrolled: row.totp_enrolled,
  };
}

/** When a session was opened: its sign-in. */
export async function sessionStartedAt(executor: Executor, licenceId: string, sessionId: string): Promise<Date | null> {
  const [row] = await executor.select({ createdAt: sessions.createdAt }).from(sessions).where(and(eq(sessions.licenceId, licenceId), eq(sessions.id, sessionId))).limit(1);
  return row?.createdAt ?? null;
}

/**
 * A user's newest sign-in before a time, from the access log. Logins never change, so the search
 * follows the log's login index; the user id keeps a deleted namesake's sign-ins out.
 */
export async function signInBefore(executor: Executor, user: { licenceId: string; id: string; login: string }, before: Date): Promise<Date | null> {
  const [row] = await executor
    .select({ at: signInAccesses.at })
    .from(signInAccesses)
    .where(and(eq(signInAccesses.licenceId, user.licenceId), eq(sql`lower(${signInAccesses.login})`, user.login.toLowerCase()), eq(signInAccesses.userId, user.id), lt(signInAccesses.at, before)))
    .orderBy(desc(signInAccesses.at))
    .limit(1);
  return row?.at ?? null;
}

export async function findAccount(executor: Executor, licenceId: string, userId: string) {
  const [row] = await executor
    .select({
      user: users,
      licence: { code: licences.code, name: licences.name },
      configuration: { id: rightsConfigurations.id, name: rightsConfigurations.name, kind: rightsConfigurations.kind },
    })
    .from(users)
    .innerJoin(licences, eq(licences.id, users.licenceId))
    .innerJoin(rightsConfigurations, and(eq(rightsConfigurations.licenceId, users.licenceId), eq(rightsConfigurations.id, users.configurationId)))
    .where(and(eq(users.licenceId, licenceId), eq(users.id, userId)))
    .limit(1);
  if (row === undefined) return null;
  const groupEntities = await executor
    .select({ id: entities.id, code: entities.code, name: entities.name })
    .from(entityGroupMembers)
    .innerJoin(entities, and(eq(entities.licenceId, entityGroupMembers.licenceId), eq(entities.id, entityGroupMembers.entityId)))
    .where(and(eq(entityGroupMembers.licenceId, licenceId), eq(entityGroupMembers.entityGroupId, row.user.entityGroupId)))
    .orderBy(asc(entities.code));
  return { ...row, entities: groupEntities };
}

/**
 * A set-password link still usable: not used, not expired. Locked so it is used once only. Found in
 * the licence its token names; a link mailed before migration 0013 names none and is found by its
 * hash alone (asking every shard once sharded), so week-long welcome links outlive the upgrade.
 */
export async function findUsablePasswordToken(executor: Executor, token: string, now: Date) {
  const routed = licenceOfToken(token);
  if (routed === null) return null;
  const byHash = eq(passwordTokens.tokenHash, hashToken(token));
  const [row] = await executor
    .select()
    .from(passwordTokens)
    .where(and('licenceId' in routed ? eq(passwordTokens.licenceId, routed.licenceId) : undefined, byHash, isNull(passwordTokens.usedAt), gt(passwordTokens.expiresAt, now)))
    .limit(1)
    .for('update');
  return row ?? null;
}

export async function findUser(executor: Executor, licenceId: string, userId: string) {
  const [row] = await executor.select().from(users).where(and(eq(users.licenceId, licenceId), eq(users.id, userId))).limit(1).for('update');
  return row ?? null;
}

export async function setPassword(executor: Executor, licenceId: string, userId: string, passwordHash: string, now: Date): Promise<void> {
  // Its date starts the password's renewal period (features/password-renewal).
  await executor.update(users).set({ passwordHash, passwordChangedAt: now, updatedAt: now }).where(and(eq(users.licenceId, licenceId), eq(users.id, userId)));
}

/** The licence code and login of a user: what their sign-in failures are counted under. */
export async function findSignInName(executor: Executor, licenceId: string, userId: string) {
  const [row] = await executor
    .select({ licence: licences.code, login: users.login })
    .from(users)
    .innerJoin(licences, eq(licences.id, users.licenceId))
    .where(and(eq(users.licenceId, licenceId), eq(users.id, userId)))
    .limit(1);
  return row ?? null;
}

export async function findTotp(executor: Executor, licenceId: string, userId: string) {
  const [row] = await executor.select().from(userTotp).where(and(eq(userTotp.licenceId, licenceId), eq(userTotp.userId, userId))).limit(1);
  return row ?? null;
}

/** Starts (or starts over) an enrolment: the secret waits for a first code to confirm it. */
export async function savePendingTotp(executor: Executor, licenceId: string, userId: string, sealedSecret: string, now: Date): Promise<void> {
  await executor
    .insert(userTotp)
    .values({ licenceId, userId, secret: sealedSecret, createdAt: now })
    .onConflictDoUpdate({ target: [userTotp.licenceId, userTotp.userId], set: { secret: sealedSecret, createdAt: now, confirmedAt: null, lastUsedStep: null }, setWhere: isNull(userTotp.confirmedAt) });
}

export async function confirmTotp(executor: Executor, licenceId: string, userId: string, step: number, now: Date): Promise<boolean> {
  const rows = await executor
    .update(userTotp)
    .set({ confirmedAt: now, lastUsedStep: step })
    .where(and(eq(userTotp.licenceId, licenceId), eq(userTotp.userId, userId), isNull(userTotp.confirmedAt)))
    .returning({ userId: userTotp.userId });
  return rows.length === 1;
}

/** Spends a TOTP step: true for the first use of a step newer than any used, false for a replay. */
export async function useTotpStep(executor: Executor, licenceId: string, userId: string, step: number): Promise<boolean> {
  const rows = await executor
    .update(userTotp)
    .set({ lastUsedStep: step })
    .where(and(eq(userTotp.licenceId, licenceId), eq(userTotp.userId, userId), isNotNull(userTotp.confirmedAt), or(isNull(userTotp.lastUsedStep), lt(userTotp.lastUsedStep, step))))
    .returning({ userId: userTotp.userId });
  return rows.length === 1;
}

export async function deleteTotp(executor: Executor, licenceId: string, userId: string): Promise<boolean> {
  const rows = await executor.delete(userTotp).where(and(eq(userTotp.licenceId, licenceId), eq(userTotp.userId, userId))).returning({ userId: userTotp.userId });
  return rows.length === 1;
}

export async function insertChallenge(executor: Executor, challenge: typeof signInChallenges.$inferInsert): Promise<void> {
  await executor.insert(signInChallenges).values(challenge);
}

/**
 * A live challenge: not used, not expired, tries left, found in the licence its token names (those
 * opened before migration 0013 named none and ended with it: a sign-in takes its password again).
 */
const live = (token: string, now: Date, maxAttempts: number) => {
  const routed = licenceOfToken(token);
  if (routed === null || !('licenceId' in routed)) return sql`false`;
  return and(
    eq(signInChallenges.licenceId, routed.licenceId),
    eq(signInChallenges.tokenHash, hashToken(token)),
    isNull(signInChallenges.usedAt),
    gt(signInChallenges.expiresAt, now),
    lt(signInChallenges.attempts, maxAttempts),
  );
};

/**
 * Counts one try on a live challenge and answers it, or null when there is none. One statement, so
 * parallel tries cannot spend more than the allowed number between them.
 */
export async function spendChallengeTry(executor: Executor, token: string, now: Date, maxAttempts: number) {
  const [row] = await executor
    .update(signInChallenges)
    .set({ attempts: sql`${signInChallenges.attempts} + 1` })
    .where(live(token, now, maxAttempts))
    .returning();
  return row ?? null;
}

/** Marks a challenge used; false when another request used it first. */
export async function useChallenge(executor: Executor, licenceId: string, id: string, now: Date): Promise<boolean> {
  const rows = await executor
    .update(signInChallenges)
    .set({ usedAt: now })
    .where(and(eq(signInChallenges.licenceId, licenceId), eq(signInChallenges.id, id), isNull(signInChallenges.usedAt)))
    .returning({ id: signInChallenges.id });
  return rows.length === 1;
}

export async function findLiveChallenge(executor: Executor, token: string, now: Date, maxAttempts: number) {
  const [row] = await executor.select().from(signInChallenges).where(live(token, now, maxAttempts)).limit(1);
  return row ?? null;
}

/**
 * Records a new SMS code on a live challenge if the re-sending limits allow it, in one statement so
 * two parallel requests cannot both send.
 */
export async function recordSmsCode(
  executor: Executor,
  input: { token: string; codeHash: string; codeExpiresAt: Date; now: Date; maxAttempts: number; maxSends: number; resendAfterSeconds: number },
): Promise<boolean> {
  const resendBefore = new Date(input.now.getTime() - input.resendAfterSeconds * 1000);
  const rows = await executor
    .update(signInChallenges)
    .set({ smsCodeHash: input.codeHash, smsCodeExpiresAt: input.codeExpiresAt, smsSentAt: input.now, smsSentCount: sql`${signInChallenges.smsSentCount} + 1` })
    .where(
      and(
        live(input.token, input.now, input.maxAttempts),
        sql`'sms' = ANY(${signInChallenges.methods})`,
        lt(signInChallenges.smsSentCount, input.maxSends),
        or(isNull(signInChallenges.smsSentAt), lte(signInChallenges.smsSentAt, resendBefore)),
      ),
    )
    .returning({ id: signInChallenges.id });
  return rows.length === 1;
}

export async function findUserWithLicence(executor: Executor, licenceId: string, userId: string) {
  const [row] = await executor
    .select({ user: users, licence: { code: licences.code, name: licences.name, twoFactor: licences.twoFactor } })
    .from(users)
    .innerJoin(licences, eq(licences.id, users.licenceId))
    .where(and(eq(users.licenceId, licenceId), eq(users.id, userId)))
    .limit(1);
  return row ?? null;
}
