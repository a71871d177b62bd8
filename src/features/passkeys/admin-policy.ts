import { and, eq } from 'drizzle-orm';
import { usableSteps } from '../../core/privilege-ceiling.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/client.ts';
import { sessions } from '../../platform/db/schema.ts';
import * as store from './store.ts';

// "Require a passkey or an authenticator app for admins", the licence's policy. An administrator is
// whoever may edit the licence's users (`licence-configuration.users.edit` among the steps their
// configuration lets them use): the people whose stolen password would hand over every account.
// Vendor staff (internal users) are outside the licence's policies, as with SMS two-factor.
//
// Refusing such an admin at sign-in would lock them out of the only place they can enrol. Instead
// their session opens limited: it serves the enrolment of a passkey or an authenticator app (and
// reading their own account), every other route answers 403 second_factor_enrolment_required, and
// the limit lifts from their sessions the moment they enrol one.

export const ADMIN_STEP = 'licence-configuration.users.edit';

export function createAdminFactorPolicy(ctx: AppContext) {
  return {
    /**
     * Whether a session opened now for the user must be limited; read before the session's transaction
     * (the catalog may query). `requiredForAdmins`, the licence's policy when the caller has just read
     * it (a sign-in reads it with the user), spares reading it again.
     */
    async enrolmentRequired(licenceId: string, userId: string, known: { requiredForAdmins?: boolean } = {}): Promise<boolean> {
      const requiredForAdmins = known.requiredForAdmins ?? (await store.findPolicy(ctx.db, licenceId))?.requiredForAdmins ?? false;
      if (!requiredForAdmins) return false;
      const user = await store.findUser(ctx.db, licenceId, userId);
      const rights = await store.findRights(ctx.db, licenceId, userId);
      if (user === null || rights === null || rights.kind === 'internal') return false;
      const catalog = await ctx.catalog.current();
      const definition = rights.kind === 'custom' ? { kind: 'custom' as const, steps: rights.steps } : { kind: rights.kind, key: rights.key };
      if (!usableSteps(definition, catalog, rights.applications).has(ADMIN_STEP)) return false;
      return !(await store.holdsStrongFactor(ctx.db, licenceId, userId));
    },

    limitSession: store.limitSession,

    /** Whether a session serves only the enrolment (what the console shows instead of its pages). */
    async sessionLimited(executor: Executor, licenceId: string, sessionId: string): Promise<boolean> {
      const [row] = await executor
        .select({ limited: sessions.secondFactorEnrolmentRequired })
        .from(sessions)
        .where(and(eq(sessions.licenceId, licenceId), eq(sessions.id, sessionId)))
        .limit(1);
      return row?.limited ?? false;
    },

    /** The user enrolled a passkey or an app: their sessions serve everything again, in every process. */
    async lift(executor: Executor, licenceId: string, userId: string, announce: (change: { kind: 'user'; licenceId: string; userId: string }) => Promise<void>) {
      if (await store.liftUserSessionLimit(executor, licenceId, userId)) await announce({ kind: 'user', licenceId, userId });
    },
  };
}

export type AdminFactorPolicy = ReturnType<typeof createAdminFactorPolicy>;
