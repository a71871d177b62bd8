import type { Language } from '../../core/catalog.ts';
import { decide, decideForUserId, DECISIONS, grantedSteps, type Decision, type LicenceSnapshot } from '../../core/decision.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Authorizer, UserActor } from '../../platform/http/actor.ts';
import type { SnapshotCache } from './snapshots.ts';

// The decision, asked by every route's `requires`, by a signed-in caller about itself, and by the
// platform's services about anyone, in batches. All of it reads the licences' snapshots.

export interface Check {
  licence: string;
  userId?: string;
  login?: string;
  permission: string;
  entity?: string;
}

export function createAuthorizationService(ctx: AppContext, snapshots: SnapshotCache) {
  const forCaller = async (actor: UserActor, permission: string, entity?: string): Promise<Decision> => {
    const snapshot = snapshots.ready(actor.licenceId) ?? (await snapshots.get(actor.licenceId));
    return snapshot === null ? DECISIONS.unknown_user : decideForUserId(snapshot, actor.userId, permission, entity);
  };

  const authorizer: Authorizer = {
    isAllowed: async (actor, permission) => (await forCaller(actor, permission)).allowed,
  };

  return {
    authorizer,
    forCaller,

    /** Checks answered in order; each licence named is looked up once per batch. */
    async check(checks: readonly Check[]): Promise<Decision[]> {
      const byCode = new Map<string, LicenceSnapshot | null>();
      for (const { licence } of checks) {
        if (byCode.has(licence)) continue;
        const licenceId = await snapshots.licenceIdOf(licence);
        byCode.set(licence, licenceId === null ? null : (snapshots.ready(licenceId) ?? (await snapshots.get(licenceId))));
      }
      return checks.map((check) => {
        const snapshot = byCode.get(check.licence) ?? null;
        // No such licence: there is no such user either.
        if (snapshot === null) return DECISIONS.unknown_user;
        return check.userId !== undefined
          ? decideForUserId(snapshot, check.userId, check.permission, check.entity)
          : decide(snapshot, { login: check.login ?? '' }, check.permission, check.entity);
      });
    },

    /** What menus show: the applications the caller may use, with their usable steps. */
    async menus(actor: UserActor) {
      const snapshot = await snapshots.get(actor.licenceId);
      const steps = snapshot === null ? null : grantedSteps(snapshot, actor.userId);
      const catalog = await ctx.catalog.current();
      const language: Language = actor.language === 'fr' ? 'fr' : 'en';
      const applications = catalog.source.categories.flatMap((category) =>
        category.applications.flatMap((application) => {
          const usable = application.steps.filter((step) => steps?.has(step.key)).map((step) => step.key);
          return usable.length === 0 ? [] : [{ key: application.key, name: application.name[language], category: category.key, steps: usable }];
        }),
      );
      return { applications };
    },
  };
}

export type AuthorizationService = ReturnType<typeof createAuthorizationService>;
