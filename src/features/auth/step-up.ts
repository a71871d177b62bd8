import { z } from 'zod';
import { base32Decode, matchTotp } from '../../core/totp.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Sealer } from '../../platform/encryption.ts';
import { verifyPassword } from '../../platform/crypto.ts';
import { ensure, fieldError, forbidden, notFound, Problem, stepUpRequired } from '../../platform/http/problems.ts';
import type { Throttle } from '../../platform/throttle.ts';
import { ownerOf } from './authenticator.ts';
import { accountKey } from './sign-in-throttle.ts';
import * as store from './store.ts';

// Step-up: a few acts are too dangerous for a session alone (a stolen cookie, an unlocked screen),
// so the acting person proves again who they are in the same request: their current password, or a
// code from their authenticator app. Wrong tries count against the account like failed sign-ins, so
// step-up is no way around the sign-in throttle for guessing a password.

/** What a request carries to step up; the fields every step-up route adds to its body. */
export interface StepUpProof {
  currentPassword?: string;
  code?: string;
}

export const stepUpFields = {
  currentPassword: z.string().min(1).max(1024).optional().describe('Your current password, asked again for this act'),
  code: z
    .string()
    .regex(/^\d{6}$/, { message: 'must be the 6 digits of the code' })
    .optional()
    .describe('Instead of the password: a current code from your authenticator app, if you set one up'),
};

/** Who steps up: a person signed in to the console, not an API account nor the vendor on a support visit. */
export interface StepUpActor {
  licenceId: string;
  userId: string;
  principal: 'user' | 'api_account';
  supportVisit: unknown;
}

/** Picks the proof out of a request body, whatever else the body holds. */
export function proofIn(body: unknown): StepUpProof {
  if (typeof body !== 'object' || body === null) return {};
  const { currentPassword, code } = body as Record<string, unknown>;
  return {
    ...(typeof currentPassword === 'string' ? { currentPassword } : {}),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

export function createStepUp(ctx: AppContext, deps: { throttle: Throttle; secrets: Sealer }) {
  const failed = (field: 'currentPassword' | 'code', message: string) =>
    new Problem('step_up_failed', { en: `${field === 'code' ? 'The code' : 'The current password'} ${message}`, fr: `${field === 'code' ? 'Le code' : 'Le mot de passe actuel'} est incorrect` }, { errors: [fieldError(field, 'invalid', message)] });

  /** A code from the user's confirmed authenticator app, spent so it cannot serve twice. */
  const codeMatches = async (actor: StepUpActor, code: string) => {
    const totp = await store.findTotp(ctx.db, actor.licenceId, actor.userId);
    if (totp === null || totp.confirmedAt === null) return false;
    const secret = base32Decode(deps.secrets.openText(totp.secret, ownerOf(actor.licenceId, actor.userId)));
    const step = matchTotp(secret, code, ctx.now(), totp.lastUsedStep);
    return step !== null && (await store.useTotpStep(ctx.db, actor.licenceId, actor.userId, step));
  };

  return {
    /** Answers when the proof is right; throws step_up_required, step_up_failed, 403 or 429 otherwise. */
    async verify(actor: StepUpActor, proof: StepUpProof): Promise<void> {
      // The support account has no password: the vendor cannot confirm these acts for the customer.
      ensure(
        actor.supportVisit === null || actor.supportVisit === undefined,
        forbidden({
          en: 'A support visit cannot do this: the support account has no password to confirm it with. Ask an administrator of the licence.',
          fr: "Une visite du support ne peut pas faire cela : le compte support n'a pas de mot de passe pour le confirmer. Demandez à un administrateur de la licence.",
        }),
      );
      ensure(actor.principal === 'user', forbidden({ en: 'Only a person signed in to the console can do this, confirming it with their password', fr: 'Seule une personne connectée à la console peut faire cela, en le confirmant avec son mot de passe' }));
      ensure(proof.currentPassword !== undefined || proof.code !== undefined, stepUpRequired());
      const name = await store.findSignInName(ctx.db, actor.licenceId, actor.userId);
      ensure(name !== null, notFound('user'));
      const keys = [accountKey(name.licence, name.login)];
      // Counted before the check, as a sign-in is: parallel guesses cannot slip past the lock.
      await deps.throttle.attempt(keys);
      if (proof.currentPassword !== undefined) {
        const user = await store.findUser(ctx.db, actor.licenceId, actor.userId);
        ensure(await verifyPassword(user?.passwordHash ?? null, proof.currentPassword), failed('currentPassword', 'is wrong'));
      } else {
        ensure(await codeMatches(actor, proof.code ?? ''), failed('code', 'is not a current code of your authenticator app'));
      }
      await deps.throttle.refund(keys);
    },
  };
}

export type StepUp = ReturnType<typeof createStepUp>;
