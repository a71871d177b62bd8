import { randomInt, randomUUID } from 'node:crypto';
import { base32Decode, matchTotp } from '../../core/totp.ts';
import type { AppContext } from '../../platform/context.ts';
import { deriveToken, hashToken, sameSecret } from '../../platform/crypto.ts';
import { licenceToken } from '../../platform/licence-tokens.ts';
import type { Executor } from '../../platform/db/client.ts';
import { ensure, Problem, type Text } from '../../platform/http/problems.ts';

const SIGN_IN_EXPIRED: Text = { en: 'This sign-in has expired: sign in again', fr: 'Cette connexion a expiré : reconnectez-vous' };
import { enqueueMessages } from '../../platform/messaging/outbox.ts';
import { tooManyAttempts, type Throttle } from '../../platform/throttle.ts';
import { ownerOf } from './authenticator.ts';
import { signInCodeMessage } from './messages.ts';
import type { Sealer } from '../../platform/encryption.ts';
import { accountKey, clientKey } from './sign-in-throttle.ts';
import * as store from './store.ts';

// The second step of a sign-in: a password was right, and a code proves the user holds their phone
// (a code sent by SMS while the licence asks for two-factor) or their authenticator app (TOTP, when
// the user enrolled one). The client holds a challenge token between the two steps.

export type SecondFactorMethod = 'totp' | 'sms';

const CHALLENGE_LIFETIME_MS = 10 * 60_000;
export const SMS_CODE_MINUTES = 5;
/** Tries on one challenge; past them it is dead and the password must be typed again. */
export const MAX_CODE_TRIES = 5;
/** The first SMS and three more on request, no closer than 30 seconds apart. */
export const MAX_SMS_SENDS = 4;
export const RESEND_AFTER_SECONDS = 30;

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

interface ChallengedUser {
  licenceId: string;
  id: string;
  internal: boolean;
  mobile: string | null;
  language: string;
}

export const invalidCredentials = () => new Problem('invalid_credentials', { en: 'Wrong licence, login or password', fr: 'Licence, identifiant ou mot de passe incorrect' });
const wrongCode = () => new Problem('invalid_credentials', { en: 'Wrong or expired code: sign in again if this keeps failing', fr: 'Code incorrect ou expiré : reconnectez-vous si cela se répète' });

/** The code is kept as an HMAC keyed by the challenge token, which only the client holds. */
const smsCodeHash = (challengeToken: string, code: string) => deriveToken(challengeToken, `gatehouse-sms-code:${code}`);

export function createSecondFactor<SignedIn>(
  ctx: AppContext,
  deps: { throttle: Throttle; secrets: Sealer; openSession: (licenceId: string, userId: string, client: ClientInfo) => Promise<SignedIn> },
) {
  /** Writes a fresh SMS code to the outbox in the transaction that records it. */
  const queueSmsCode = async (tx: Executor, user: ChallengedUser & { mobile: string }, licenceName: string, code: string) => {
    const text = signInCodeMessage(user.language, { code, licenceName, validMinutes: SMS_CODE_MINUTES });
    await enqueueMessages(tx, [{ licenceId: user.licenceId, channel: 'sms', to: user.mobile, text }]);
  };
  const newSmsCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

  return {
    /**
     * What a user must show after the password: their authenticator app when enrolled, SMS while the
     * licence asks for two-factor (internal users excepted: vendor staff have no seat in the licence's
     * policy). Both are offered when both apply.
     */
    methodsFor(user: ChallengedUser, licence: { twoFactor: boolean }, totpEnrolled: boolean): SecondFactorMethod[] {
      const smsRequired = licence.twoFactor && !user.internal;
      if (totpEnrolled) return smsRequired && user.mobile !== null ? ['totp', 'sms'] : ['totp'];
      return smsRequired ? ['sms'] : [];
    },

    /** Opens a challenge; when SMS is the only way, its code goes out at once. */
    async challenge(user: ChallengedUser, licence: { name: string }, methods: SecondFactorMethod[]) {
      const onlySms = methods.length === 1 && methods[0] === 'sms';
      ensure(
        !onlySms || user.mobile !== null,
        new Problem('forbidden', {
          en: 'Your licence requires a code sent by SMS, but your account has no mobile number: ask your administrator to add one',
          fr: "Votre licence exige un code envoyé par SMS, mais votre compte n'a pas de numéro de mobile : demandez à votre administrateur d'en ajouter un",
        }),
      );
      const now = ctx.now();
      // Names its licence, where it is looked up (platform/licence-tokens.ts).
      const token = licenceToken(user.licenceId);
      const code = onlySms ? newSmsCode() : null;
      await ctx.db.transaction(async (tx) => {
        await store.insertChallenge(tx, {
          licenceId: user.licenceId,
          id: randomUUID(),
          userId: user.id,
          tokenHash: hashToken(token),
          methods,
          smsCodeHash: code === null ? null : smsCodeHash(token, code),
          smsCodeExpiresAt: code === null ? null : new Date(now.getTime() + SMS_CODE_MINUTES * 60_000),
          smsSentCount: code === null ? 0 : 1,
          smsSentAt: code === null ? null : now,
          expiresAt: new Date(now.getTime() + CHALLENGE_LIFETIME_MS),
          createdAt: now,
        });
        if (code !== null) await queueSmsCode(tx, { ...user, mobile: user.mobile! }, licence.name, code);
      });
      if (code !== null) ctx.deliverSoon();
      return { challenge: token, methods };
    },

    /**
     * Checks a code against a live challenge. Every try counts (five per challenge, and against the
     * account and the address like a wrong password); a right code works once, and a TOTP code once
     * ever, even inside its 30 seconds. An account lock does not refuse the try: the challenge has
     * tries of its own, and opening another one takes the password, which the lock does refuse.
     */
    async verify(request: { challenge: string; code: string }, client: ClientInfo) {
      const address = clientKey(client.ip);
      await deps.throttle.attempt([address]);
      const now = ctx.now();
      const outcome = await ctx.db.transaction(async (tx) => {
        const challenge = await store.spendChallengeTry(tx, request.challenge, now, MAX_CODE_TRIES);
        if (challenge === null) return { accepted: false as const, name: null };
        const found = await store.findUserWithLicence(tx, challenge.licenceId, challenge.userId);
        if (found === null) return { accepted: false as const, name: null };
        const { user } = found;
        const name = { licence: found.licence.code, login: user.login };
        if (user.status !== 'active') return { accepted: false as const, name };

        let accepted = false;
        if (challenge.methods.includes('totp')) {
          const totp = await store.findTotp(tx, user.licenceId, user.id);
          if (totp !== null && totp.confirmedAt !== null) {
            const secret = base32Decode(deps.secrets.openText(totp.secret, ownerOf(user.licenceId, user.id)));
            const step = matchTotp(secret, request.code, now, totp.lastUsedStep);
            accepted = step !== null && (await store.useTotpStep(tx, user.licenceId, user.id, step));
          }
        }
        if (!accepted && challenge.smsCodeHash !== null && challenge.smsCodeExpiresAt !== null && challenge.smsCodeExpiresAt > now) {
          accepted = sameSecret(smsCodeHash(request.challenge, request.code), challenge.smsCodeHash);
        }
        // Single use: of two requests carrying the right code, one signs in.
        accepted = accepted && (await store.useChallenge(tx, challenge.licenceId, challenge.id, now));
        return { accepted, name, user: accepted ? user : null };
      });
      const account = outcome.name === null ? null : accountKey(outcome.name.licence, outcome.name.login);
      if (!outcome.accepted || !outcome.user) {
        // The address was counted before the try; the account is counted now, being known only now.
        if (account !== null) await deps.throttle.fail([account]);
        throw wrongCode();
      }
      await deps.throttle.refund([address]);
      if (account !== null) await deps.throttle.forgive([account]);
      return deps.openSession(outcome.user.licenceId, outcome.user.id, client);
    },

    /** Sends a new SMS code for a live challenge (the first, when the user has an app too), within limits. */
    async resend(request: { challenge: string }): Promise<void> {
      const now = ctx.now();
      const token = request.challenge;
      const code = newSmsCode();
      const sent = await ctx.db.transaction(async (tx) => {
        const recorded = await store.recordSmsCode(tx, {
          token,
          codeHash: smsCodeHash(request.challenge, code),
          codeExpiresAt: new Date(now.getTime() + SMS_CODE_MINUTES * 60_000),
          now,
          maxAttempts: MAX_CODE_TRIES,
          maxSends: MAX_SMS_SENDS,
          resendAfterSeconds: RESEND_AFTER_SECONDS,
        });
        if (!recorded) return false;
        const challenge = await store.findLiveChallenge(tx, token, now, MAX_CODE_TRIES);
        const found = challenge === null ? null : await store.findUserWithLicence(tx, challenge.licenceId, challenge.userId);
        const mobile = found?.user.mobile ?? null;
        // Rolling back keeps the send allowance of a challenge that could not be served.
        if (found === null || mobile === null || found.user.status !== 'active') throw new Problem('invalid_credentials', SIGN_IN_EXPIRED);
        await queueSmsCode(tx, { ...found.user, mobile }, found.licence.name, code);
        return true;
      });
      if (sent) {
        ctx.deliverSoon();
        return;
      }
      // Nothing sent: say why, without telling more than the challenge's holder may know.
      const challenge = await store.findLiveChallenge(ctx.db, token, now, MAX_CODE_TRIES);
      ensure(challenge !== null, new Problem('invalid_credentials', SIGN_IN_EXPIRED));
      ensure(challenge.methods.includes('sms'), new Problem('conflict', { en: 'This sign-in takes a code from your authenticator app, not by SMS', fr: "Cette connexion demande un code de votre application d'authentification, pas par SMS" }));
      const secondsLeft = (until: Date) => Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
      if (challenge.smsSentCount >= MAX_SMS_SENDS) throw tooManyAttempts(secondsLeft(challenge.expiresAt));
      if (challenge.smsSentAt !== null) throw tooManyAttempts(secondsLeft(new Date(challenge.smsSentAt.getTime() + RESEND_AFTER_SECONDS * 1000)));
      throw new Problem('conflict', { en: 'No SMS can be sent for this sign-in', fr: 'Aucun SMS ne peut être envoyé pour cette connexion' });
    },
  };
}

export type SecondFactor = ReturnType<typeof createSecondFactor>;
