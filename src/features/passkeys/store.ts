import { and, asc, eq, gt, isNotNull, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { licences, passkeyChallenges, passkeys, rightsConfigurations, sessions, users, userTotp } from '../../platform/db/schema.ts';

// Queries of passkeys, their ceremonies and the licence's passkey policy; nothing else.

export type PasskeyRow = typeof passkeys.$inferSelect;
export type NewPasskey = typeof passkeys.$inferInsert;

export async function findPolicy(executor: Executor, licenceId: string) {
  const [row] = await executor
    .select({ allowed: licences.passkeysAllowed, requiredForAdmins: licences.passkeyOrAuthenticatorRequiredForAdmins })
    .from(licences)
    .where(eq(licences.id, licenceId))
    .limit(1);
  return row ?? null;
}

/** The policy as it was, locked for its change; null for an unknown licence. */
export async function lockPolicy(executor: Executor, licenceId: string) {
  const [row] = await executor
    .select({ allowed: licences.passkeysAllowed, requiredForAdmins: licences.passkeyOrAuthenticatorRequiredForAdmins })
    .from(licences)
    .where(eq(licences.id, licenceId))
    .limit(1)
    .for('update');
  return row ?? null;
}

export async function savePolicy(executor: Executor, licenceId: string, policy: { allowed: boolean; requiredForAdmins: boolean }, now: Date): Promise<void> {
  await executor
    .update(licences)
    .set({ passkeysAllowed: policy.allowed, passkeyOrAuthenticatorRequiredForAdmins: policy.requiredForAdmins, updatedAt: now })
    .where(eq(licences.id, licenceId));
}

export async function findLicenceByCode(executor: Executor, code: string) {
  const [row] = await executor
    .select({ id: licences.id, code: licences.code, allowed: licences.passkeysAllowed })
    .from(licences)
    .where(eq(licences.code, code))
    .limit(1);
  return row ?? null;
}

/** Who enrols or signs in: the user, with what the ceremony shows and checks of them. */
export async function findUser(executor: Executor, licenceId: string, userId: string) {
  const [row] = await executor
    .select({
      licenceId: users.licenceId,
      id: users.id,
      login: users.login,
      firstName: users.firstName,
      lastName: users.lastName,
      status: users.status,
      protected: users.protected,
      configurationId: users.configurationId,
      entityGroupId: users.entityGroupId,
    })
    .from(users)
    .where(and(eq(users.licenceId, licenceId), eq(users.id, userId)))
    .limit(1);
  return row ?? null;
}

export async function listPasskeys(executor: Executor, licenceId: string, userId: string) {
  return executor
    .select()
    .from(passkeys)
    .where(and(eq(passkeys.licenceId, licenceId), eq(passkeys.userId, userId)))
    .orderBy(asc(passkeys.createdAt), asc(passkeys.id));
}

export async function insertPasskey(executor: Executor, passkey: NewPasskey): Promise<void> {
  await executor.insert(passkeys).values(passkey);
}

export async function findByCredentialId(executor: Executor, licenceId: string, credentialId: string) {
  const [row] = await executor
    .select()
    .from(passkeys)
    .where(and(eq(passkeys.licenceId, licenceId), eq(passkeys.credentialId, credentialId)))
    .limit(1);
  return row ?? null;
}

/** What a sign-in learnt of the authenticator; the counter only moves forward, even under two sign-ins at once. */
export async function recordUse(executor: Executor, passkey: PasskeyRow, use: { counter: number; backedUp: boolean; deviceType: 'singleDevice' | 'multiDevice'; at: Date }) {
  await executor
    .update(passkeys)
    .set({ counter: sql`greatest(${passkeys.counter}, ${use.counter})`, backedUp: use.backedUp, deviceType: use.deviceType, lastUsedAt: use.at })
    .where(and(eq(passkeys.licenceId, passkey.licenceId), eq(passkeys.id, passkey.id)));
}

export async function deletePasskey(executor: Executor, licenceId: string, userId: string, id: string) {
  const rows = await executor
    .delete(passkeys)
    .where(and(eq(passkeys.licenceId, licenceId), eq(passkeys.userId, userId), eq(passkeys.id, id)))
    .returning({ id: passkeys.id, name: passkeys.name });
  return rows[0] ?? null;
}

/** Removes every passkey of a user; answers how many there were. */
export async function deleteUserPasskeys(executor: Executor, licenceId: string, userId: string): Promise<number> {
  const rows = await executor
    .delete(passkeys)
    .where(and(eq(passkeys.licenceId, licenceId), eq(passkeys.userId, userId)))
    .returning({ id: passkeys.id });
  return rows.length;
}

export async function saveChallenge(executor: Executor, challenge: typeof passkeyChallenges.$inferInsert): Promise<void> {
  // Ceremonies left unfinished are swept as new ones start: nothing else reads them once expired.
  await executor.delete(passkeyChallenges).where(and(eq(passkeyChallenges.licenceId, challenge.licenceId), lte(passkeyChallenges.expiresAt, challenge.createdAt ?? new Date())));
  await executor.insert(passkeyChallenges).values(challenge);
}

/** Spends a live enrolment challenge of the user: true once, for the first request that shows it. */
export async function spendRegistrationChallenge(executor: Executor, licenceId: string, userId: string, challenge: string, now: Date): Promise<boolean> {
  const rows = await executor
    .delete(passkeyChallenges)
    .where(
      and(
        eq(passkeyChallenges.licenceId, licenceId),
        eq(passkeyChallenges.challenge, challenge),
        eq(passkeyChallenges.purpose, 'registration'),
        eq(passkeyChallenges.userId, userId),
        gt(passkeyChallenges.expiresAt, now),
      ),
    )
    .returning({ id: passkeyChallenges.id });
  return rows.length === 1;
}

/** Spends a live sign-in challenge by its id: answers it once, null ever after. */
export async function spendAuthenticationChallenge(executor: Executor, licenceId: string, id: string, now: Date) {
  const [row] = await executor
    .delete(passkeyChallenges)
    .where(and(eq(passkeyChallenges.licenceId, licenceId), eq(passkeyChallenges.id, id), eq(passkeyChallenges.purpose, 'authentication'), gt(passkeyChallenges.expiresAt, now)))
    .returning({ challenge: passkeyChallenges.challenge, login: passkeyChallenges.login });
  return row ?? null;
}

/** Whether the user holds a passkey or a confirmed authenticator app. */
export async function holdsStrongFactor(executor: Executor, licenceId: string, userId: string): Promise<boolean> {
  const [passkey] = await executor.select({ id: passkeys.id }).from(passkeys).where(and(eq(passkeys.licenceId, licenceId), eq(passkeys.userId, userId))).limit(1);
  if (passkey !== undefined) return true;
  const [totp] = await executor
    .select({ userId: userTotp.userId })
    .from(userTotp)
    .where(and(eq(userTotp.licenceId, licenceId), eq(userTotp.userId, userId), isNotNull(userTotp.confirmedAt)))
    .limit(1);
  return totp !== undefined;
}

/** The user's rights configuration and their licence's applications: what "administrator" is judged on. */
export async function findRights(executor: Executor, licenceId: string, userId: string) {
  const [row] = await executor
    .select({ kind: rightsConfigurations.kind, key: rightsConfigurations.key, steps: rightsConfigurations.steps, applications: licences.applications })
    .from(users)
    .innerJoin(rightsConfigurations, and(eq(rightsConfigurations.licenceId, users.licenceId), eq(rightsConfigurations.id, users.configurationId)))
    .innerJoin(licences, eq(licences.id, users.licenceId))
    .where(and(eq(users.licenceId, licenceId), eq(users.id, userId)))
    .limit(1);
  return row ?? null;
}

export async function limitSession(executor: Executor, licenceId: string, sessionId: string): Promise<void> {
  await executor
    .update(sessions)
    .set({ secondFactorEnrolmentRequired: true })
    .where(and(eq(sessions.licenceId, licenceId), eq(sessions.id, sessionId)));
}

/** Lifts the enrolment limit from a user's sessions; answers whether any had it. */
export async function liftUserSessionLimit(executor: Executor, licenceId: string, userId: string): Promise<boolean> {
  const rows = await executor
    .update(sessions)
    .set({ secondFactorEnrolmentRequired: false })
    .where(and(eq(sessions.licenceId, licenceId), eq(sessions.userId, userId), eq(sessions.secondFactorEnrolmentRequired, true)))
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/** Lifts the limit from every session of the licence (the policy was turned off). */
export async function liftLicenceSessionLimits(executor: Executor, licenceId: string): Promise<void> {
  await executor
    .update(sessions)
    .set({ secondFactorEnrolmentRequired: false })
    .where(and(eq(sessions.licenceId, licenceId), eq(sessions.secondFactorEnrolmentRequired, true)));
}
