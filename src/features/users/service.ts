import { randomUUID } from 'node:crypto';
import type { CompiledCatalog } from '../../core/catalog.ts';
import { isAssignableByAdmins } from '../../core/rights-configurations.ts';
import { dueSoonAt } from '../../core/password-renewal.ts';
import type { AppContext } from '../../platform/context.ts';
import { changedFields, recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { Executor } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { endSessionsOfUsers, endUserSessions } from '../../platform/http/sessions.ts';
import { cursors, pageOf } from '../../platform/http/pagination.ts';
import { ensure, fieldError, invalidField, invalidFieldsDetail, loginTaken, notFound, Problem, protectedAccount, type FieldError } from '../../platform/http/problems.ts';
import { sendPasswordLinks, spendPasswordLinks } from '../auth/password-links.ts';
import { createCeilings, definitionOf, ensureGrantWithinCeiling, ensureWithinCeiling, exceedsOwnRights, isWithinCeiling, type CeilingCaller, type Holding } from './ceiling.ts';
import * as store from './store.ts';

// Use cases of the users app. Licence admins and operators share them; what differs is who may
// grant which rights configuration (the granter) and that admins cannot act on themselves.

export type Granter = 'admin' | 'operator';

export interface UserFields {
  firstName: string;
  lastName: string;
  email: string;
  mobile?: string | null;
  gender?: 'female' | 'male' | 'unspecified' | null;
  language: string;
  configurationId: string;
  entityGroupId: string;
  defaultEntityId?: string;
}
export interface NewUser extends UserFields {
  login: string;
}

/**
 * Who acts: an admin of the licence (whose own account is off limits for some actions, who keeps
 * the session they act from, and who grants no more than they hold) or an operator; and how the
 * audit trail names them. `stepUp` checks the proof of identity the request carries, for the acts
 * that ask for one.
 */
export type Acting = (
  | { granter: 'admin'; userId: string; sessionId: string; supportVisit: boolean; stepUp: () => Promise<void> }
  | { granter: 'operator' }
) & { audit: AuditActor };

/** What the audit trail shows of a user: never a secret. */
const auditedFields = (user: Pick<store.UserRow, 'firstName' | 'lastName' | 'email' | 'mobile' | 'gender' | 'language' | 'status' | 'configurationId' | 'entityGroupId' | 'defaultEntityId'>) => ({
  firstName: user.firstName,
  lastName: user.lastName,
  email: user.email,
  mobile: user.mobile,
  gender: user.gender,
  language: user.language,
  status: user.status,
  configurationId: user.configurationId,
  entityGroupId: user.entityGroupId,
  defaultEntityId: user.defaultEntityId,
});

export function presentUser(view: store.UserView) {
  const { user } = view;
  return {
    id: user.id,
    login: user.login,
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    mobile: user.mobile,
    gender: user.gender,
    language: user.language,
    status: user.status,
    configuration: { id: view.configuration.id, name: view.configuration.name, kind: view.configuration.kind },
    entityGroup: view.entityGroup,
    defaultEntity: view.defaultEntity,
    internal: user.internal,
    protected: user.protected,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
export type PresentedUser = ReturnType<typeof presentUser>;

type LicenceRow = NonNullable<Awaited<ReturnType<typeof store.findLicence>>>;

interface Authorizations {
  configurationId: string;
  entityGroupId: string;
  defaultEntityId: string;
  internal: boolean;
}

/**
 * Checks a user's rights configuration, entity group and default entity against the licence, and
 * fills in the default entity when the group leaves no choice. Collects every bad field at once.
 */
async function resolveAuthorizations(
  executor: Executor,
  licence: LicenceRow,
  wanted: { configurationId: string; entityGroupId: string; defaultEntityId?: string; mobile?: string | null },
  granter: Granter,
  current?: store.UserRow,
): Promise<Authorizations> {
  const errors: FieldError[] = [];
  const configuration = await store.findConfiguration(executor, licence.id, wanted.configurationId);
  if (configuration === null) {
    errors.push(fieldError('configurationId', 'not_found', 'is not a rights configuration of this licence'));
  } else if (granter === 'admin' && (current === undefined || current.configurationId !== wanted.configurationId)) {
    // Only a change is checked: a user who holds Admin stays editable in everything else.
    if (!isAssignableByAdmins(definitionOf(configuration))) errors.push(fieldError('configurationId', 'not_assignable', 'can only be granted by the vendor'));
  }
  if (granter === 'admin' && current !== undefined && current.configurationId !== wanted.configurationId) {
    const previous = await store.findConfiguration(executor, licence.id, current.configurationId);
    if (previous !== null && !isAssignableByAdmins(definitionOf(previous))) {
      errors.push(fieldError('configurationId', 'not_assignable', `${previous.name} can only be changed by the vendor`));
    }
  }

  let defaultEntityId = wanted.defaultEntityId;
  const groupEntityIds = await store.entityIdsOfGroup(executor, licence.id, wanted.entityGroupId);
  if (groupEntityIds === null) {
    errors.push(fieldError('entityGroupId', 'not_found', 'is not an entity group of this licence'));
  } else if (defaultEntityId !== undefined) {
    if (!groupEntityIds.includes(defaultEntityId)) errors.push(fieldError('defaultEntityId', 'not_in_group', 'is not an entity of the chosen group'));
  } else if (current !== undefined && groupEntityIds.includes(current.defaultEntityId)) {
    defaultEntityId = current.defaultEntityId;
  } else if (groupEntityIds.length === 1) {
    defaultEntityId = groupEntityIds[0];
  } else {
    errors.push(fieldError('defaultEntityId', 'required', 'is required when the group has several entities'));
  }

  const internal = configuration?.kind === 'internal';
  if (licence.twoFactor && !internal && !wanted.mobile) {
    errors.push(fieldError('mobile', 'required_when_two_factor', 'is required while the licence has two-factor sign-in on'));
  }
  if (errors.length > 0 || configuration === null || defaultEntityId === undefined) {
    throw new Problem('validation_failed', invalidFieldsDetail(errors), { errors });
  }
  return { configurationId: configuration.id, entityGroupId: wanted.entityGroupId, defaultEntityId, internal };
}

/** The seat limit holds under concurrency because the licence row is locked while seats are counted. */
async function ensureFreeSeat(executor: Executor, licenceId: string, exceptUserId?: string): Promise<void> {
  const licence = await store.lockLicence(executor, licenceId);
  ensure(licence !== null, notFound('licence'));
  const used = await store.countSeatsUsed(executor, licenceId, exceptUserId);
  ensure(used < licence.seatLimit, new Problem('seat_limit_reached', { en: `All ${licence.seatLimit} seats of the licence are taken`, fr: `Les ${licence.seatLimit} places de la licence sont toutes prises` }));
}

export function createUsersService(ctx: AppContext) {
  const view = async (executor: Executor, licenceId: string, userId: string) => {
    const found = await store.findUserView(executor, licenceId, userId);
    ensure(found !== null, notFound('user'));
    return presentUser(found);
  };

  /** Loads a user of the licence for a change, locked; another licence's id is simply not found. */
  const lockedUser = async (executor: Executor, licenceId: string, userId: string) => {
    const user = await store.findUser(executor, licenceId, userId, { lock: true });
    ensure(user !== null, notFound('user'));
    return user;
  };

  const ensureNotSelf = (acting: Acting, userId: string) =>
    ensure(acting.granter !== 'admin' || acting.userId !== userId, new Problem('cannot_target_self', { en: 'Ask another administrator to do this to your account', fr: 'Demandez à un autre administrateur de le faire sur votre compte' }));
  const ensureNotProtected = (user: store.UserRow) =>
    ensure(!user.protected, protectedAccount());

  const licenceOf = async (executor: Executor, licenceId: string) => {
    const licence = await store.findLicence(executor, licenceId);
    ensure(licence !== null, notFound('licence'));
    return licence;
  };

  // The ceiling (./ceiling.ts): an admin grants and acts on no more than they hold. Operators have
  // none, nor has the vendor's support on a visit.
  const ceilings = createCeilings(ctx);
  const callerOf = (acting: Acting): CeilingCaller | null => (acting.granter === 'admin' ? { userId: acting.userId, supportVisit: acting.supportVisit } : null);
  const catalogFor = (acting: Acting) => ceilings.catalogFor(callerOf(acting));
  const ceilingOf = (executor: Executor, licence: LicenceRow, acting: Acting, catalog: CompiledCatalog | null) => ceilings.ceilingOf(executor, licence, callerOf(acting), catalog);

  /** Nobody changes their own rights: another administrator must, within their own ceiling. */
  const ensureNotOwnRights = (acting: Acting, user: store.UserRow, changes: Partial<Holding>) => {
    if (acting.granter !== 'admin' || acting.userId !== user.id) return;
    const errors = [
      ...(changes.configurationId !== undefined && changes.configurationId !== user.configurationId ? [fieldError('configurationId', 'exceeds_own_rights', 'is your own: ask another administrator to change it')] : []),
      ...(changes.entityGroupId !== undefined && changes.entityGroupId !== user.entityGroupId ? [fieldError('entityGroupId', 'exceeds_own_rights', 'is your own: ask another administrator to change it')] : []),
    ];
    if (errors.length > 0) throw exceedsOwnRights(errors);
  };

  /** Loads a user for a change, locked, and checks the acting admin may act on them at all. */
  const userToActOn = async (executor: Executor, licenceId: string, userId: string, acting: Acting, catalog: CompiledCatalog | null) => {
    const user = await lockedUser(executor, licenceId, userId);
    const licence = await licenceOf(executor, licenceId);
    await ensureWithinCeiling(await ceilingOf(executor, licence, acting, catalog), user);
    return { user, licence };
  };

  /** Creates a user inside a caller's transaction (also used when a licence is created). */
  async function createInTransaction(
    executor: Executor,
    licenceId: string,
    input: NewUser,
    acting: Acting,
    options: { protected?: boolean; sendWelcome?: boolean; catalog?: CompiledCatalog | null } = {},
  ) {
    const licence = await licenceOf(executor, licenceId);
    const authorizations = await resolveAuthorizations(executor, licence, input, acting.granter);
    await ensureGrantWithinCeiling(await ceilingOf(executor, licence, acting, options.catalog ?? null), authorizations);
    if (!authorizations.internal) await ensureFreeSeat(executor, licenceId);
    // A friendly early answer; the unique index is what really keeps logins unique.
    ensure(!(await store.loginExists(executor, licenceId, input.login)), loginTaken(input.login));
    const id = randomUUID();
    const now = ctx.now();
    await store.insertUser(executor, {
      licenceId,
      id,
      login: input.login,
      firstName: input.firstName,
      lastName: input.lastName,
      email: input.email,
      mobile: input.mobile ?? null,
      gender: input.gender ?? null,
      language: input.language,
      status: 'active',
      ...authorizations,
      protected: options.protected ?? false,
      createdAt: now,
      updatedAt: now,
    });
    await recordAudit(
      executor,
      acting.audit,
      {
        licenceId,
        action: 'user.create',
        target: { kind: 'user', id, name: input.login },
        after: { login: input.login, ...auditedFields({ ...input, mobile: input.mobile ?? null, gender: input.gender ?? null, status: 'active', ...authorizations }) },
      },
      now,
    );
    if (options.sendWelcome === false) return { id, setPasswordLink: null };
    const [setPasswordLink] = await sendPasswordLinks(executor, { licenceId, licenceName: licence.name, publicUrl: ctx.config.publicUrl, purpose: 'welcome', now }, [
      { id, login: input.login, firstName: input.firstName, email: input.email, language: input.language },
    ]);
    return { id, setPasswordLink: setPasswordLink ?? null };
  }

  /** Edits a user inside a caller's transaction (SCIM applies a whole PUT or PATCH in one); `catalog` from catalogFor. */
  async function updateInTransaction(tx: Executor, licenceId: string, userId: string, changes: Partial<UserFields>, acting: Acting, catalog: CompiledCatalog | null) {
    const user = await lockedUser(tx, licenceId, userId);
    ensureNotProtected(user);
    ensureNotOwnRights(acting, user, changes);
    const licence = await licenceOf(tx, licenceId);
    const ceiling = await ceilingOf(tx, licence, acting, catalog);
    await ensureWithinCeiling(ceiling, user);
    const merged = {
      configurationId: changes.configurationId ?? user.configurationId,
      entityGroupId: changes.entityGroupId ?? user.entityGroupId,
      defaultEntityId: changes.defaultEntityId,
      mobile: changes.mobile === undefined ? user.mobile : changes.mobile,
    };
    const authorizations = await resolveAuthorizations(tx, licence, merged, acting.granter, user);
    await ensureGrantWithinCeiling(ceiling, authorizations);
    // Vendor staff moved to a customer configuration starts taking a seat.
    if (user.internal && !authorizations.internal && user.status === 'active') await ensureFreeSeat(tx, licenceId, userId);
    const updated = {
      ...user,
      ...(changes.firstName === undefined ? {} : { firstName: changes.firstName }),
      ...(changes.lastName === undefined ? {} : { lastName: changes.lastName }),
      ...(changes.email === undefined ? {} : { email: changes.email }),
      ...(changes.mobile === undefined ? {} : { mobile: changes.mobile }),
      ...(changes.gender === undefined ? {} : { gender: changes.gender }),
      ...(changes.language === undefined ? {} : { language: changes.language }),
      ...authorizations,
    };
    const now = ctx.now();
    const { passwordHash: _secret, ...row } = updated;
    await store.updateUser(tx, licenceId, userId, { ...row, updatedAt: now });
    // A link sent to the old (perhaps mistyped) address must not set the password any more.
    if (updated.email !== user.email) await spendPasswordLinks(tx, licenceId, [userId], now);
    const diff = changedFields(auditedFields(user), auditedFields(updated));
    if (Object.keys(diff.after).length > 0) {
      await recordAudit(tx, acting.audit, { licenceId, action: 'user.update', target: { kind: 'user', id: userId, name: user.login }, ...diff }, now);
    }
  }

  /** Deactivates a user inside a caller's transaction: their sessions and set-password links end with it. */
  async function deactivateInTransaction(tx: Executor, licenceId: string, userId: string, acting: Acting, catalog: CompiledCatalog | null) {
    const { user } = await userToActOn(tx, licenceId, userId, acting, catalog);
    if (user.status === 'deactivated') return;
    const now = ctx.now();
    await store.updateUser(tx, licenceId, userId, { status: 'deactivated', updatedAt: now });
    await endUserSessions(tx, licenceId, userId);
    await spendPasswordLinks(tx, licenceId, [userId], now);
    await recordAudit(tx, acting.audit, { licenceId, action: 'user.deactivate', target: { kind: 'user', id: userId, name: user.login }, before: { status: 'active' }, after: { status: 'deactivated' } }, now);
  }

  /** Activates a user inside a caller's transaction, within the seat limit. */
  async function activateInTransaction(tx: Executor, licenceId: string, userId: string, acting: Acting, catalog: CompiledCatalog | null) {
    const { user, licence } = await userToActOn(tx, licenceId, userId, acting, catalog);
    if (user.status === 'active') return;
    // As at creation and edit: under two-factor, a user without a mobile could not sign in.
    ensure(
      !licence.twoFactor || user.internal || Boolean(user.mobile),
      invalidField('mobile', 'required_when_two_factor', {
        en: 'is required while the licence has two-factor sign-in on: add a mobile number before activating this user',
        fr: "est obligatoire tant que la licence exige la double authentification : ajoutez un numéro de mobile avant d'activer cet utilisateur",
      }),
    );
    if (!user.internal) await ensureFreeSeat(tx, licenceId, userId);
    const now = ctx.now();
    await store.updateUser(tx, licenceId, userId, { status: 'active', updatedAt: now });
    await recordAudit(tx, acting.audit, { licenceId, action: 'user.activate', target: { kind: 'user', id: userId, name: user.login }, before: { status: 'deactivated' }, after: { status: 'active' } }, now);
  }

  /** Deletes a user, finally, inside a caller's transaction. */
  async function removeInTransaction(tx: Executor, licenceId: string, userId: string, acting: Acting, catalog: CompiledCatalog | null) {
    ensureNotSelf(acting, userId);
    const { user } = await userToActOn(tx, licenceId, userId, acting, catalog);
    ensureNotProtected(user);
    // Sessions and set-password links go with the user (ON DELETE CASCADE).
    await store.deleteUser(tx, licenceId, userId);
    await recordAudit(tx, acting.audit, { licenceId, action: 'user.delete', target: { kind: 'user', id: userId, name: user.login }, before: { login: user.login, ...auditedFields(user) } }, ctx.now());
  }

  /** Runs a change in a transaction and answers the user as it stands after it; decisions follow. */
  async function change(licenceId: string, userId: string, work: (executor: Executor) => Promise<void>) {
    const answer = await ctx.transaction(async (tx, announce) => {
      await work(tx);
      await announce({ kind: 'user', licenceId, userId });
      return view(tx, licenceId, userId);
    });
    ctx.deliverSoon();
    return answer;
  }

  return {
    createInTransaction,
    updateInTransaction,
    activateInTransaction,
    deactivateInTransaction,
    removeInTransaction,
    /** The privilege ceiling, for the features that offer or act on rights (lists, API accounts). */
    ceilings,
    activeUsersWithoutMobile: store.activeUsersWithoutMobile,

    async list(licenceId: string, query: { status: 'active' | 'deactivated'; q?: string; limit: number; cursor?: string }) {
      const after = cursors.byLogin.decode(query.cursor);
      const rows = await store.listUserViews(ctx.db, licenceId, {
        status: query.status,
        q: query.q,
        after: after as [string, string] | null,
        limit: query.limit,
      });
      // Who must renew their password soon (or now), by the licence's policy: the list flags them.
      const licence = await store.findLicence(ctx.db, licenceId);
      const renewal = { months: licence?.passwordRenewalMonths ?? null, reminderDays: licence?.passwordRenewalReminderDays ?? 7 };
      const now = ctx.now();
      const present = (row: store.UserView) => ({ ...presentUser(row), passwordDueAt: dueSoonAt(renewal, row.user, now)?.toISOString() ?? null });
      return pageOf(rows, query.limit, present, (row) => [row.user.login.toLowerCase(), row.user.id]);
    },

    get: (licenceId: string, userId: string) => view(ctx.db, licenceId, userId),

    async create(licenceId: string, input: NewUser, acting: Acting) {
      const catalog = await catalogFor(acting);
      try {
        const { id } = await ctx.transaction(async (tx, announce) => {
          const created = await createInTransaction(tx, licenceId, input, acting, { catalog });
          await announce({ kind: 'user', licenceId, userId: created.id });
          return created;
        });
        ctx.deliverSoon();
        return await view(ctx.db, licenceId, id);
      } catch (error) {
        if (isUniqueViolation(error, 'users_login_key')) throw loginTaken(input.login);
        throw error;
      }
    },

    update: async (licenceId: string, userId: string, changes: Partial<UserFields>, acting: Acting) => {
      const catalog = await catalogFor(acting);
      return change(licenceId, userId, (tx) => updateInTransaction(tx, licenceId, userId, changes, acting, catalog));
    },

    async deactivate(licenceId: string, userId: string, acting: Acting) {
      ensureNotSelf(acting, userId);
      const target = await store.findUser(ctx.db, licenceId, userId);
      ensure(target !== null, notFound('user'));
      // Deactivating the support account cuts the vendor's support off: the admin confirms who they
      // are, before the transaction, so wrong tries are counted even though the act is refused.
      if (target.protected && acting.granter === 'admin') await acting.stepUp();
      const catalog = await catalogFor(acting);
      return change(licenceId, userId, (tx) => deactivateInTransaction(tx, licenceId, userId, acting, catalog));
    },

    activate: async (licenceId: string, userId: string, acting: Acting) => {
      const catalog = await catalogFor(acting);
      return change(licenceId, userId, (tx) => activateInTransaction(tx, licenceId, userId, acting, catalog));
    },

    async remove(licenceId: string, userId: string, acting: Acting) {
      const catalog = await catalogFor(acting);
      await ctx.transaction(async (tx, announce) => {
        await removeInTransaction(tx, licenceId, userId, acting, catalog);
        await announce({ kind: 'user', licenceId, userId });
      });
    },

    /** The current password stops working now, every session ends, and a reset link goes out. */
    async resetPassword(licenceId: string, userId: string, acting: Acting) {
      const catalog = await catalogFor(acting);
      await ctx.transaction(async (tx, announce) => {
        const { user, licence } = await userToActOn(tx, licenceId, userId, acting, catalog);
        ensureNotProtected(user);
        const now = ctx.now();
        await store.clearPasswords(tx, licenceId, [userId], now);
        await endUserSessions(tx, licenceId, userId);
        await sendPasswordLinks(tx, { licenceId, licenceName: licence.name, publicUrl: ctx.config.publicUrl, purpose: 'reset', now }, [user]);
        await recordAudit(tx, acting.audit, { licenceId, action: 'user.password_reset', target: { kind: 'user', id: userId, name: user.login } }, now);
        // Every process forgets the sessions it had checked for this user.
        await announce({ kind: 'user', licenceId, userId });
      });
      ctx.deliverSoon();
    },

    /** A user who lost the phone with their authenticator app signs in with password (and SMS) again. */
    async removeAuthenticator(licenceId: string, userId: string, acting: Acting) {
      const catalog = await catalogFor(acting);
      await ctx.transaction(async (tx) => {
        const { user } = await userToActOn(tx, licenceId, userId, acting, catalog);
        ensureNotProtected(user);
        const removed = await store.deleteAuthenticator(tx, licenceId, userId);
        ensure(removed, new Problem('not_found', { en: 'This user has no authenticator app', fr: "Cet utilisateur n'a pas d'application d'authentification" }));
        await recordAudit(tx, acting.audit, { licenceId, action: 'user.authenticator_remove', target: { kind: 'user', id: userId, name: user.login } }, ctx.now());
      });
    },

    /**
     * Every active non-internal user at once, a step-up act; the acting admin keeps the session they
     * act from. An admin resets only the users they could reset one by one: those within their ceiling.
     */
    async resetAllPasswords(licenceId: string, acting: Acting): Promise<{ count: number }> {
      if (acting.granter === 'admin') await acting.stepUp();
      const catalog = await catalogFor(acting);
      const count = await ctx.transaction(async (tx, announce) => {
        const licence = await store.lockLicence(tx, licenceId);
        ensure(licence !== null, notFound('licence'));
        const ceiling = await ceilingOf(tx, licence, acting, catalog);
        const reaches = new Map<string, boolean>();
        const within = async (holding: Holding) => {
          const key = `${holding.configurationId}/${holding.entityGroupId}`;
          let answer = reaches.get(key);
          if (answer === undefined) {
            answer = await isWithinCeiling(ceiling, holding);
            reaches.set(key, answer);
          }
          return answer;
        };
        const targets = [];
        for (const user of await store.activeResettableUsers(tx, licenceId)) if (await within(user)) targets.push(user);
        const now = ctx.now();
        const ids = targets.map((user) => user.id);
        for (let i = 0; i < ids.length; i += 1000) await store.clearPasswords(tx, licenceId, ids.slice(i, i + 1000), now);
        await endSessionsOfUsers(tx, licenceId, ids, acting.granter === 'admin' ? acting.sessionId : undefined);
        await sendPasswordLinks(tx, { licenceId, licenceName: licence.name, publicUrl: ctx.config.publicUrl, purpose: 'reset', now }, targets);
        await recordAudit(tx, acting.audit, { licenceId, action: 'users.password_reset_all', target: { kind: 'licence', id: licenceId, name: licence.code }, after: { count: targets.length } }, now);
        await announce({ kind: 'licence', licenceId });
        return targets.length;
      });
      ctx.deliverSoon();
      return { count };
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
