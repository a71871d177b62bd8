import { randomUUID } from 'node:crypto';
import { passwordWeakness, PASSWORD_WEAKNESS_MESSAGES, PASSWORD_WEAKNESS_MESSAGES_FR } from '../../core/password-policy.ts';
import type { RenewalPolicy, RenewalSubject } from '../../core/password-renewal.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Transaction } from '../../platform/db/client.ts';
import type { StatementParts } from '../../platform/db/prepared.ts';
import type { Sealer } from '../../platform/encryption.ts';
import { hashPassword, verifyPassword } from '../../platform/crypto.ts';
import { ensure, notFound, Problem, type Text } from '../../platform/http/problems.ts';

const LINK_INVALID: Text = { en: 'This link is unknown, used or expired: ask for a new one', fr: "Ce lien est inconnu, a déjà servi ou a expiré : demandez-en un nouveau" };
import { endSession, endUserSessions, newSession, type NewSession } from '../../platform/http/sessions.ts';
import { createThrottle } from '../../platform/throttle.ts';
import { createAuthenticatorEnrolment } from './authenticator.ts';
import { sendPasswordLinks, spendPasswordLinks } from './password-links.ts';
import { createSecondFactor, invalidCredentials, type ClientInfo, type SecondFactorMethod } from './second-factor.ts';
import { accountKey, clientKey, resetAccountKey, resetClientKey } from './sign-in-throttle.ts';
import { createStepUp } from './step-up.ts';
import { createAdminFactorPolicy } from '../passkeys/admin-policy.ts';
import * as store from './store.ts';
import { ensurePasswordNotReused, passwordChangeDue, releaseSession, rememberPassword, sessionHeldForPasswordChange } from '../password-renewal/service.ts';

// Signing in and out, one's own account, and setting a password from an e-mailed link.

export type { ClientInfo };
export interface SignInRequest {
  licence: string;
  login: string;
  password: string;
}

/** `secrets` seals authenticator secrets at rest (they must be read back to check codes, so they cannot be hashed). */
export function createAuthService(ctx: AppContext, { secrets }: { secrets: Sealer }) {
  const lifetime = { idleMinutes: ctx.config.sessionIdleMinutes, maxHours: ctx.config.sessionMaxHours };
  // Read through the context, so a test that moves the context's clock moves lock-outs too.
  const throttle = createThrottle(ctx.db, () => ctx.now());
  const adminFactor = createAdminFactorPolicy(ctx);

  /** The account as its holder sees it, from what the store read of it. */
  const accountView = (found: Pick<store.SignedInAccount, 'user' | 'licence' | 'configuration' | 'entities'>, previousLoginAt: Date | null, flags: { totpEnabled: boolean; passwordChangeRequired: boolean; secondFactorEnrolmentRequired: boolean }) => {
    const { user } = found;
    return {
      id: user.id,
      login: user.login,
      firstName: user.firstName,
      lastName: user.lastName,
      email: user.email,
      mobile: user.mobile,
      gender: user.gender,
      language: user.language,
      licence: found.licence,
      configuration: found.configuration,
      entities: found.entities.map((entity) => ({ ...entity, isDefault: entity.id === user.defaultEntityId })),
      lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
      previousLoginAt: previousLoginAt?.toISOString() ?? null,
      ...flags,
    };
  };

  /**
   * The account as its holder sees it. `sessionId`, the session it is seen from, dates the current
   * sign-in: what the holder wants to know is the one before it (was that me?).
   */
  const account = async (licenceId: string, userId: string, sessionId: string) => {
    const found = await store.findAccount(ctx.db, licenceId, userId);
    ensure(found !== null, notFound('user'));
    const currentSignInAt = (await store.sessionStartedAt(ctx.db, licenceId, sessionId)) ?? ctx.now();
    const previousLoginAt = await store.signInBefore(ctx.db, found.user, currentSignInAt);
    return accountView(found, previousLoginAt, {
      totpEnabled: await authenticator.enrolled(licenceId, userId),
      passwordChangeRequired: await sessionHeldForPasswordChange(ctx.db, licenceId, sessionId),
      secondFactorEnrolmentRequired: await adminFactor.sessionLimited(ctx.db, licenceId, sessionId),
    });
  };

  /**
   * A new session, the same whether the sign-in took one step or two. Its cost is what a sign-in
   * adds to the password hash (bench/login): what the session must say is read first (the licence's
   * policies come with the user's read when the password sign-in made it), then one statement writes
   * the sign-in time, the access log line and the session, and reads the account back.
   */
  const openSession = async (licenceId: string, userId: string, client: ClientInfo, known: { policies?: SignInPolicies; settlement?: StatementParts } = {}) => {
    const now = ctx.now();
    const [limited, passwordChangeRequired] = await Promise.all([
      // An administrator the licence requires to hold a passkey or an app, holding neither, gets a session limited to enrolling one.
      adminFactor.enrolmentRequired(licenceId, userId, { requiredForAdmins: known.policies?.factorRequiredForAdmins }),
      // A password past the licence's renewal period: the session serves only its change (features/password-renewal).
      passwordChangeDue(ctx.db, licenceId, userId, now, known.policies?.renewal),
    ]);
    const { session, row } = newSession(
      { licenceId, userId, ip: client.ip, userAgent: client.userAgent, now, passwordChangeRequired, secondFactorEnrolmentRequired: limited },
      lifetime,
    );
    // Every console sign-in is in the licence's access log, written with the session it opens.
    // A password sign-in's throttle counts are settled by the same statement (`settlement`).
    const found = await store.recordSignInWithSession(ctx.db, { ...row, createdAt: now }, randomUUID(), known.settlement);
    ensure(found !== null, notFound('user'));
    const user = accountView(found, found.previousLoginAt, { totpEnabled: found.totpEnrolled, passwordChangeRequired, secondFactorEnrolmentRequired: limited });
    return { session, user };
  };

  /**
   * The password of a signed-in user, asked again before a sensitive change; failures count against
   * the account like failed sign-ins, so a stolen session cannot be used to guess it.
   */
  const checkPassword = async (actor: { licenceId: string; userId: string }, password: string, field = 'password') => {
    const name = await store.findSignInName(ctx.db, actor.licenceId, actor.userId);
    ensure(name !== null, notFound('user'));
    const keys = [accountKey(name.licence, name.login)];
    await throttle.attempt(keys);
    const user = await store.findUser(ctx.db, actor.licenceId, actor.userId);
    const matches = await verifyPassword(user?.passwordHash ?? null, password);
    ensure(matches, new Problem('invalid_credentials', { en: `The ${field === 'password' ? 'password' : 'current password'} is wrong`, fr: `Le mot de passe${field === 'password' ? '' : ' actuel'} est incorrect` }, { errors: [{ field, code: 'invalid_credentials', message: 'is wrong' }] }, 403));
    await throttle.refund(keys);
  };

  const secondFactor = createSecondFactor(ctx, { throttle, secrets, openSession });
  const stepUp = createStepUp(ctx, { throttle, secrets });
  const authenticator = createAuthenticatorEnrolment(ctx, { secrets, checkPassword, stepUp });

  /** Sets a password its holder chose, dating it and keeping its hash among the last five. */
  const setNewPassword = async (executor: Transaction, user: { licenceId: string; id: string }, password: string, now: Date) => {
    const passwordHash = await hashPassword(password);
    await store.setPassword(executor, user.licenceId, user.id, passwordHash, now);
    await rememberPassword(executor, user, passwordHash, now);
  };

  const weakPassword = (password: string, user: { login: string; email: string }, field = 'password') => {
    const weakness = passwordWeakness(password, user);
    if (weakness === null) return null;
    const message = PASSWORD_WEAKNESS_MESSAGES[weakness];
    return new Problem('weak_password', { en: `The password ${message}`, fr: `Le mot de passe ${PASSWORD_WEAKNESS_MESSAGES_FR[weakness]}` }, { reason: weakness, errors: [{ field, code: weakness, message }] });
  };

  return {
    account,
    stepUp,
    /** Every way of signing in ends here (passkeys too: features/passkeys). */
    openSession,

    /**
     * Unknown licence, unknown login, wrong password and deactivated account all answer alike, in
     * the same time (a missing password still costs an argon2 hash) and count alike against the
     * account and the client's address.
     */
    async signIn(request: SignInRequest, client: ClientInfo): Promise<SignInOutcome> {
      const account = accountKey(request.licence, request.login);
      const address = clientKey(client.ip);
      // The attempt is counted and the account read at once, on two connections: neither needs the
      // other, and argon2id waits for both (a locked key refuses before any password is checked).
      // One wait for the database instead of two, which on one core is CPU the hash gets back.
      const [, found] = await Promise.all([throttle.attempt([account, address]), store.findUserForSignIn(ctx.db, request.licence, request.login)]);
      const passwordMatches = await verifyPassword(found?.user.passwordHash ?? null, request.password);
      ensure(found !== null && passwordMatches && found.user.status === 'active', invalidCredentials());
      const { user, licence, totpEnrolled, policies } = found;
      const methods = secondFactor.methodsFor(user, licence, totpEnrolled);
      if (methods.length === 0) {
        // The address's attempt is refunded and the account's failures forgiven in the statement that opens the session.
        const settlement = throttle.settlement({ refund: [address], forgive: [account] });
        const renewal = { months: policies.renewalMonths, reminderDays: policies.renewalReminderDays, internal: user.internal, passwordChangedAt: user.passwordChangedAt };
        return { status: 'ok', ...(await openSession(user.licenceId, user.id, client, { policies: { factorRequiredForAdmins: policies.factorRequiredForAdmins, renewal }, settlement })) };
      }
      await throttle.refund([address]);
      // The account's count is forgiven only once the second factor is shown too.
      return { status: 'second_factor_required', ...(await secondFactor.challenge(user, licence, methods)) };
    },

    verifySecondFactor: secondFactor.verify,
    resendSecondFactorCode: secondFactor.resend,
    startAuthenticatorEnrolment: authenticator.start,
    /** Confirming an app also lifts an administrator's enrolment limit (features/passkeys/admin-policy.ts). */
    async confirmAuthenticator(actor: { licenceId: string; userId: string }, request: { code: string }): Promise<void> {
      await authenticator.confirm(actor, request);
      await ctx.transaction((tx, announce) => adminFactor.lift(tx, actor.licenceId, actor.userId, announce));
    },
    removeAuthenticator: authenticator.remove,

    /** Every process forgets the ended session at once (they may hold it checked). */
    signOut: (sessionToken: string) =>
      ctx.transaction(async (tx, announce) => {
        const ended = await endSession(tx, sessionToken);
        if (ended !== null) await announce({ kind: 'user', ...ended });
      }),

    /** Always answers the same, so the form tells nobody which accounts exist. */
    async requestPasswordReset(request: { licence: string; login: string }, client: ClientInfo): Promise<void> {
      await throttle.attempt([resetClientKey(client.ip)]);
      // Past its ration an account's requests are answered alike but send nothing.
      const rationed = await throttle.attempt([resetAccountKey(request.licence, request.login)]).then(
        () => false,
        (error: unknown) => {
          if (error instanceof Problem && error.code === 'too_many_attempts') return true;
          throw error;
        },
      );
      if (rationed) return;
      const found = await store.findUserForSignIn(ctx.db, request.licence, request.login);
      if (found === null || found.user.status !== 'active' || found.user.protected) return;
      await ctx.db.transaction((tx) =>
        sendPasswordLinks(tx, { licenceId: found.user.licenceId, licenceName: found.licence.name, publicUrl: ctx.config.publicUrl, purpose: 'reset', now: ctx.now() }, [found.user]),
      );
      ctx.deliverSoon();
    },

    /** Sets the password from a welcome or reset link; the link works once, and every session ends. */
    async completePasswordReset(request: { token: string; password: string }): Promise<void> {
      const now = ctx.now();
      await ctx.transaction(async (tx, announce) => {
        const token = await store.findUsablePasswordToken(tx, request.token, now);
        ensure(token !== null, new Problem('invalid_token', LINK_INVALID));
        const user = await store.findUser(tx, token.licenceId, token.userId);
        ensure(user !== null && user.status === 'active', new Problem('invalid_token', LINK_INVALID));
        const weakness = weakPassword(request.password, user);
        if (weakness !== null) throw weakness;
        await ensurePasswordNotReused(tx, user, request.password, 'password');
        await setNewPassword(tx, user, request.password, now);
        await spendPasswordLinks(tx, user.licenceId, [user.id], now);
        await endUserSessions(tx, user.licenceId, user.id);
        await announce({ kind: 'user', licenceId: user.licenceId, userId: user.id });
      });
    },

    /** Changing one's password needs the current one and ends the user's other sessions. */
    async changePassword(actor: { licenceId: string; userId: string; sessionId: string }, request: { currentPassword: string; newPassword: string }) {
      await checkPassword(actor, request.currentPassword, 'currentPassword');
      await ctx.transaction(async (tx, announce) => {
        const user = await store.findUser(tx, actor.licenceId, actor.userId);
        ensure(user !== null, notFound('user'));
        const weakness = weakPassword(request.newPassword, user, 'newPassword');
        if (weakness !== null) throw weakness;
        await ensurePasswordNotReused(tx, user, request.newPassword, 'newPassword');
        const now = ctx.now();
        await setNewPassword(tx, user, request.newPassword, now);
        // Chosen from a session held for it: that session serves everything again.
        await releaseSession(tx, actor.licenceId, actor.sessionId);
        // A reset link asked for before the change must not undo it.
        await spendPasswordLinks(tx, user.licenceId, [user.id], now);
        await endUserSessions(tx, user.licenceId, user.id, actor.sessionId);
        await announce({ kind: 'user', licenceId: user.licenceId, userId: user.id });
      });
    },
  };
}

/** The licence's policies on a new session, and what they apply to, as a password sign-in read them with the user. */
interface SignInPolicies {
  factorRequiredForAdmins: boolean;
  renewal: RenewalPolicy & RenewalSubject;
}

export type SignInOutcome =
  | { status: 'ok'; session: NewSession; user: Awaited<ReturnType<ReturnType<typeof createAuthService>['account']>> }
  | { status: 'second_factor_required'; challenge: string; methods: SecondFactorMethod[] };

export type AuthService = ReturnType<typeof createAuthService>;
