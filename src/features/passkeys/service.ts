import { randomUUID } from 'node:crypto';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { ensure, forbidden, notFound, Problem, protectedAccount } from '../../platform/http/problems.ts';
import { createThrottle } from '../../platform/throttle.ts';
import type { ClientInfo } from '../auth/second-factor.ts';
import type { AuthService } from '../auth/service.ts';
import { accountKey, clientKey } from '../auth/sign-in-throttle.ts';
import type { StepUp, StepUpActor, StepUpProof } from '../auth/step-up.ts';
import type { CeilingCaller, Ceilings } from '../users/ceiling.ts';
import { createAdminFactorPolicy } from './admin-policy.ts';
import { counterWentBack, createCeremonies, passkeyRejected, relyingPartyOf, type WebAuthnAnswer } from './ceremonies.ts';
import * as store from './store.ts';

// Passkeys: a user enrols some from My account (several, each named) and signs in with one instead
// of a password and a code. A passkey asks for user verification, so it is two factors by itself
// and satisfies the licence's two-factor rule; the session it opens is the one every sign-in opens.

/** A ceremony's challenge lives five minutes and serves once. */
const CHALLENGE_MS = 5 * 60_000;

export interface PasskeyPolicy {
  allowed: boolean;
  requiredForAdmins: boolean;
}

/** Who enrols: a person signed in to the console, on their own account. */
type Enroller = StepUpActor & { sessionId: string };

const passkeysNotAllowed = () => new Problem('passkeys_not_allowed', { en: 'Passkeys are turned off for this licence: ask its administrator', fr: "Les clés d'accès sont désactivées pour cette licence : demandez à son administrateur" });

export const presentPasskey = (row: store.PasskeyRow) => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  backedUp: row.backedUp,
});

export function createPasskeysService(ctx: AppContext, deps: { openSession: AuthService['openSession']; stepUp: StepUp; ceilings: Ceilings }) {
  const ceremonies = createCeremonies(relyingPartyOf(ctx.config.publicUrl));
  const adminPolicy = createAdminFactorPolicy(ctx);
  const throttle = createThrottle(ctx.db, () => ctx.now());

  const policyOf = async (licenceId: string): Promise<PasskeyPolicy> => {
    const policy = await store.findPolicy(ctx.db, licenceId);
    ensure(policy !== null, notFound('licence'));
    return policy;
  };

  /** Passkeys belong to people: not to API accounts, nor to the vendor on a support visit. */
  const ensurePerson = (actor: Enroller) => {
    ensure(actor.supportVisit === null || actor.supportVisit === undefined, forbidden({ en: 'A support visit cannot enrol passkeys for the customer', fr: "Une visite du support ne peut pas enregistrer de clés d'accès pour le client" }));
    ensure(actor.principal === 'user', forbidden({ en: 'Only a person signed in to the console has passkeys', fr: "Seule une personne connectée à la console a des clés d'accès" }));
  };

  return {
    adminPolicy,
    policy: policyOf,

    async setPolicy(licenceId: string, policy: PasskeyPolicy, actor: AuditActor): Promise<PasskeyPolicy> {
      await ctx.transaction(async (tx, announce) => {
        const before = await store.lockPolicy(tx, licenceId);
        ensure(before !== null, notFound('licence'));
        const now = ctx.now();
        await store.savePolicy(tx, licenceId, policy, now);
        // Without the requirement nobody's session stays limited to enrolling.
        if (!policy.requiredForAdmins && before.requiredForAdmins) {
          await store.liftLicenceSessionLimits(tx, licenceId);
          await announce({ kind: 'licence', licenceId });
        }
        await recordAudit(tx, actor, { licenceId, action: 'licence.passkey_policy', target: { kind: 'licence', id: licenceId }, before, after: { ...policy } }, now);
      });
      return policy;
    },

    async list(licenceId: string, userId: string) {
      return { items: (await store.listPasskeys(ctx.db, licenceId, userId)).map(presentPasskey) };
    },

    /** Starts an enrolment: the options for the browser, and a challenge kept for the answer. */
    async registrationOptions(actor: Enroller) {
      ensurePerson(actor);
      ensure((await policyOf(actor.licenceId)).allowed, passkeysNotAllowed());
      const user = await store.findUser(ctx.db, actor.licenceId, actor.userId);
      ensure(user !== null, notFound('user'));
      const existing = await store.listPasskeys(ctx.db, actor.licenceId, actor.userId);
      const options = await ceremonies.registrationOptions({ id: user.id, name: user.login, displayName: `${user.firstName} ${user.lastName}` }, existing);
      const now = ctx.now();
      await store.saveChallenge(ctx.db, {
        licenceId: actor.licenceId,
        id: randomUUID(),
        purpose: 'registration',
        userId: actor.userId,
        challenge: options.challenge,
        expiresAt: new Date(now.getTime() + CHALLENGE_MS),
        createdAt: now,
      });
      return options;
    },

    /** Finishes an enrolment: the authenticator's answer to one of the user's live challenges. */
    async enrol(actor: Enroller, request: { name: string; response: WebAuthnAnswer }) {
      ensurePerson(actor);
      ensure((await policyOf(actor.licenceId)).allowed, passkeysNotAllowed());
      const now = ctx.now();
      const info = await ceremonies.verifyRegistration(request.response, (challenge) => store.spendRegistrationChallenge(ctx.db, actor.licenceId, actor.userId, challenge, now));
      const row: store.PasskeyRow = {
        licenceId: actor.licenceId,
        id: randomUUID(),
        userId: actor.userId,
        name: request.name,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey),
        counter: info.credential.counter,
        transports: info.credential.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        createdAt: now,
        lastUsedAt: null,
      };
      try {
        await ctx.transaction(async (tx, announce) => {
          await store.insertPasskey(tx, row);
          await adminPolicy.lift(tx, actor.licenceId, actor.userId, announce);
        });
      } catch (error) {
        // The unique index is the truth: one credential serves one account of a licence.
        if (isUniqueViolation(error)) throw passkeyRejected('already_registered', { en: 'This passkey is already enrolled in this licence', fr: "Cette clé d'accès est déjà enregistrée dans cette licence" }, 409);
        throw error;
      }
      return presentPasskey(row);
    },

    /** Removing one's own passkey is a step-up act, like removing one's authenticator app. */
    async remove(actor: StepUpActor, passkeyId: string, proof: StepUpProof): Promise<void> {
      await deps.stepUp.verify(actor, proof);
      ensure((await store.deletePasskey(ctx.db, actor.licenceId, actor.userId, passkeyId)) !== null, notFound('passkey'));
    },

    /** An administrator takes every passkey of a user who lost their device; the same checks as taking their authenticator app. */
    async removeAllOfUser(licenceId: string, userId: string, acting: { caller: CeilingCaller; audit: AuditActor }): Promise<void> {
      const catalog = await deps.ceilings.catalogFor(acting.caller);
      await ctx.transaction(async (tx) => {
        const user = await store.findUser(tx, licenceId, userId);
        ensure(user !== null, notFound('user'));
        ensure(!user.protected, protectedAccount());
        await deps.ceilings.ensureMayActOn(tx, licenceId, acting.caller, catalog, user);
        const removed = await store.deleteUserPasskeys(tx, licenceId, userId);
        ensure(removed > 0, new Problem('not_found', { en: 'This user has no passkey', fr: "Cet utilisateur n'a pas de clé d'accès" }));
        await recordAudit(tx, acting.audit, { licenceId, action: 'user.passkeys_remove', target: { kind: 'user', id: userId, name: user.login }, before: { passkeys: removed } }, ctx.now());
      });
    },

    /**
     * Starts a sign-in. The answer has the same shape whether or not the licence or the login exist:
     * no credential is listed (the authenticator offers its own), and an unknown licence gets a
     * challenge that was never kept, refused when used.
     */
    async signInOptions(request: { licence: string; login?: string | undefined }) {
      const licence = await store.findLicenceByCode(ctx.db, request.licence);
      if (licence !== null) ensure(licence.allowed, passkeysNotAllowed());
      const options = await ceremonies.authenticationOptions();
      const challengeId = randomUUID();
      if (licence !== null) {
        const now = ctx.now();
        await store.saveChallenge(ctx.db, {
          licenceId: licence.id,
          id: challengeId,
          purpose: 'authentication',
          // A typed login binds the sign-in to that account: another account's passkey is refused.
          login: request.login?.toLowerCase() ?? null,
          challenge: options.challenge,
          expiresAt: new Date(now.getTime() + CHALLENGE_MS),
          createdAt: now,
        });
      }
      return { challengeId, options };
    },

    /**
     * Finishes a sign-in. Failures count against the client's address like wrong passwords, and against
     * the account once the credential names it. A lock on the account from password guessing does not
     * refuse a valid passkey: it cannot be guessed, and refusing it would let anyone lock its holder out.
     */
    async signIn(request: { licence: string; challengeId: string; response: WebAuthnAnswer }, client: ClientInfo) {
      const address = clientKey(client.ip);
      await throttle.attempt([address]);
      const licence = await store.findLicenceByCode(ctx.db, request.licence);
      ensure(licence !== null, passkeyRejected('challenge_expired', { en: 'This sign-in is unknown, used or expired: start again', fr: 'Cette connexion est inconnue, a déjà servi ou a expiré : recommencez' }));
      ensure(licence.allowed, passkeysNotAllowed());
      const now = ctx.now();
      const challenge = await store.spendAuthenticationChallenge(ctx.db, licence.id, request.challengeId, now);
      ensure(challenge !== null, passkeyRejected('challenge_expired', { en: 'This sign-in is unknown, used or expired: start again', fr: 'Cette connexion est inconnue, a déjà servi ou a expiré : recommencez' }));

      const unknown = () => passkeyRejected('unknown_credential', { en: 'This passkey is not enrolled for an active account of this licence', fr: "Cette clé d'accès n'est enregistrée pour aucun compte actif de cette licence" });
      const passkey = await store.findByCredentialId(ctx.db, licence.id, request.response.id);
      ensure(passkey !== null, unknown());
      const user = await store.findUser(ctx.db, licence.id, passkey.userId);
      ensure(user !== null && user.status === 'active' && (challenge.login === null || challenge.login === user.login.toLowerCase()), unknown());
      const account = accountKey(licence.code, user.login);

      let info;
      try {
        info = await ceremonies.verifyAuthentication(request.response, challenge.challenge, { credentialId: passkey.credentialId, publicKey: passkey.publicKey, transports: passkey.transports });
      } catch (error) {
        await throttle.fail([account]);
        throw error;
      }
      if (counterWentBack(passkey.counter, info.newCounter)) {
        await throttle.fail([account]);
        await recordAudit(
          ctx.db,
          { kind: 'user', id: user.id, name: user.login, ip: client.ip },
          { licenceId: licence.id, action: 'user.passkey_clone_detected', target: { kind: 'user', id: user.id, name: user.login }, after: { passkey: passkey.name, storedCounter: passkey.counter, presentedCounter: info.newCounter } },
          now,
        );
        throw passkeyRejected('counter_went_back', {
          en: 'This passkey answered with a count it had already used: it may have been copied. Sign in another way and remove it.',
          fr: "Cette clé d'accès a répondu avec un compteur déjà utilisé : elle a peut-être été copiée. Connectez-vous autrement et retirez-la.",
        });
      }
      await store.recordUse(ctx.db, passkey, { counter: info.newCounter, backedUp: info.credentialBackedUp, deviceType: info.credentialDeviceType, at: now });
      await throttle.refund([address]);
      await throttle.forgive([account]);
      return deps.openSession(licence.id, user.id, client);
    },
  };
}

export type PasskeysService = ReturnType<typeof createPasskeysService>;
