import { randomBytes } from 'node:crypto';
import { base32Decode, base32Encode, matchTotp, otpauthUrl } from '../../core/totp.ts';
import type { AppContext } from '../../platform/context.ts';
import { ensure, invalidField, notFound, Problem } from '../../platform/http/problems.ts';
import type { Sealer } from '../../platform/encryption.ts';
import type { StepUp, StepUpActor, StepUpProof } from './step-up.ts';
import * as store from './store.ts';

// A user's own authenticator app (TOTP) as second factor, enrolled from My account: a secret is
// issued (pending), a first code from the app confirms it, and from then on every sign-in of the
// user asks for a code from it. The secret is shown once, at enrolment, and never again.
// Adding or removing it needs the password, not only a session: a stolen cookie must not be enough
// to bind an attacker's app, or to take away the user's.

interface Actor {
  licenceId: string;
  userId: string;
}

/** RFC 4226 asks for at least 128 bits of key; 160 is the length of an HMAC-SHA1 block output. */
const SECRET_BYTES = 20;

export const ownerOf = (licenceId: string, userId: string) => `${licenceId}/${userId}`;

export function createAuthenticatorEnrolment(ctx: AppContext, deps: { secrets: Sealer; checkPassword: (actor: Actor, password: string) => Promise<void>; stepUp: StepUp }) {
  return {
    async start(actor: Actor, request: { password: string }) {
      await deps.checkPassword(actor, request.password);
      const secret = base32Encode(randomBytes(SECRET_BYTES));
      const name = await store.findSignInName(ctx.db, actor.licenceId, actor.userId);
      ensure(name !== null, notFound('user'));
      await ctx.db.transaction(async (tx) => {
        const current = await store.findTotp(tx, actor.licenceId, actor.userId);
        ensure(current?.confirmedAt == null, new Problem('conflict', { en: 'An authenticator app is already set up: remove it first to set up another', fr: "Une application d'authentification est déjà configurée : retirez-la d'abord pour en configurer une autre" }));
        await store.savePendingTotp(tx, actor.licenceId, actor.userId, deps.secrets.sealText(secret, ownerOf(actor.licenceId, actor.userId)), ctx.now());
      });
      return { secret, otpauthUrl: otpauthUrl({ issuer: 'Gatehouse', account: `${name.licence}/${name.login}`, secret }) };
    },

    async confirm(actor: Actor, request: { code: string }): Promise<void> {
      const now = ctx.now();
      await ctx.db.transaction(async (tx) => {
        const pending = await store.findTotp(tx, actor.licenceId, actor.userId);
        ensure(pending !== null && pending.confirmedAt === null, new Problem('conflict', { en: 'No authenticator app is waiting for confirmation: start again', fr: "Aucune application d'authentification n'attend de confirmation : recommencez" }));
        const secret = base32Decode(deps.secrets.openText(pending.secret, ownerOf(actor.licenceId, actor.userId)));
        const step = matchTotp(secret, request.code, now, null);
        ensure(
          step !== null,
          invalidField('code', 'wrong_code', {
            en: 'is not the current code of the app: check the phone’s clock and try the next one',
            fr: "n'est pas le code actuel de l'application : vérifiez l'heure du téléphone, puis saisissez le code suivant",
          }),
        );
        // The confirming code is spent, so it cannot sign in right after.
        ensure(await store.confirmTotp(tx, actor.licenceId, actor.userId, step, now), new Problem('conflict', { en: 'The authenticator app was confirmed meanwhile', fr: "L'application d'authentification a été confirmée entre-temps" }));
      });
    },

    /** Taking away one's own second factor is a step-up act: the current password or a code from the app. */
    async remove(actor: StepUpActor, proof: StepUpProof): Promise<void> {
      await deps.stepUp.verify(actor, proof);
      ensure(await store.deleteTotp(ctx.db, actor.licenceId, actor.userId), notFound('authenticator app'));
    },

    async enrolled(licenceId: string, userId: string): Promise<boolean> {
      const totp = await store.findTotp(ctx.db, licenceId, userId);
      return totp !== null && totp.confirmedAt !== null;
    },
  };
}
