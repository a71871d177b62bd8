import { randomUUID } from 'node:crypto';
import { applicationKeys } from '../../core/catalog.ts';
import type { AppContext } from '../../platform/context.ts';
import { changedFields, recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { Executor } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { cursors, pageOf } from '../../platform/http/pagination.ts';
import { ensure, fieldError, invalidField, invalidFieldsDetail, notFound, Problem, stepUpRequired } from '../../platform/http/problems.ts';
import type { ConfigurationsService } from '../configurations/service.ts';
import type { EntitiesService } from '../entities/service.ts';
import type { NewUser, UsersService } from '../users/service.ts';
import * as store from './store.ts';

// Licences are the tenants. Operators create them whole: the licence, its entity "main" with its
// group, the standard configurations, the vendor's support account and the first admin.

export interface NewLicence {
  code: string;
  name: string;
  seatLimit: number;
  twoFactor?: boolean;
  applications?: string[];
  admin: Omit<NewUser, 'configurationId' | 'entityGroupId' | 'defaultEntityId'>;
}

export interface LicenceChanges {
  name?: string;
  seatLimit?: number;
  twoFactor?: boolean;
  applications?: string[];
}

export const SUPPORT_LOGIN = 'support';

async function present(executor: Executor, licence: store.LicenceRow) {
  return {
    id: licence.id,
    code: licence.code,
    name: licence.name,
    seatLimit: licence.seatLimit,
    seatsUsed: await store.seatsUsed(executor, licence.id),
    twoFactor: licence.twoFactor,
    applications: licence.applications,
    createdAt: licence.createdAt.toISOString(),
    updatedAt: licence.updatedAt.toISOString(),
  };
}

/** Prefixes the field errors of a nested object, e.g. the first admin's. */
function nestProblem(error: unknown, prefix: string): unknown {
  if (!(error instanceof Problem) || error.code !== 'validation_failed' || error.extensions.errors === undefined) return error;
  const errors = error.extensions.errors.map((e) => ({ ...e, field: `${prefix}.${e.field}` }));
  return new Problem('validation_failed', invalidFieldsDetail(errors), { errors });
}

export function createLicencesService(
  ctx: AppContext,
  features: { users: UsersService; entities: EntitiesService; configurations: ConfigurationsService },
) {
  const checkApplications = async (applications: string[]) => {
    const known = new Set(applicationKeys(await ctx.catalog.current()));
    const errors = applications.flatMap((key, index) => (known.has(key) ? [] : [fieldError(`applications.${index}`, 'unknown_application', `"${key}" is not an application of the catalog`)]));
    ensure(errors.length === 0, new Problem('validation_failed', { en: 'Some applications are not in the catalog', fr: 'Des applications ne sont pas dans le catalogue' }, { errors }));
    return [...new Set(applications)];
  };

  /** Two-factor sign-in needs a mobile for every active user who signs in with a password. */
  const ensureMobilesForTwoFactor = async (executor: Executor, licenceId: string) => {
    const missing = await features.users.activeUsersWithoutMobile(executor, licenceId);
    ensure(missing.length === 0, new Problem('users_missing_mobile', { en: `${missing.length} active users have no mobile number`, fr: `${missing.length} utilisateurs actifs n'ont pas de numéro de mobile` }, { users: missing }));
  };

  const byCode = async (code: string, executor: Executor = ctx.db) => {
    const licence = await store.findLicenceByCode(executor, code);
    ensure(licence !== null, notFound('licence'));
    return licence;
  };

  const byId = async (id: string, executor: Executor = ctx.db) => {
    const licence = await store.findLicenceById(executor, id);
    ensure(licence !== null, notFound('licence'));
    return licence;
  };

  return {
    byCode,
    byId,
    present: (licence: store.LicenceRow) => present(ctx.db, licence),

    async create(input: NewLicence, actor: AuditActor) {
      const acting = { granter: 'operator' as const, audit: actor };
      const applications = input.applications === undefined ? applicationKeys(await ctx.catalog.current()) : await checkApplications(input.applications);
      try {
        const result = await ctx.db.transaction(async (tx) => {
          const licenceId = randomUUID();
          const now = ctx.now();
          await store.insertLicence(tx, {
            id: licenceId,
            code: input.code,
            name: input.name,
            seatLimit: input.seatLimit,
            twoFactor: input.twoFactor ?? false,
            applications,
            createdAt: now,
            updatedAt: now,
          });
          await recordAudit(
            tx,
            actor,
            { licenceId, action: 'licence.create', target: { kind: 'licence', id: licenceId, name: input.code }, after: { code: input.code, name: input.name, seatLimit: input.seatLimit, twoFactor: input.twoFactor ?? false, applications } },
            now,
          );
          const main = await features.entities.createEntityInTransaction(tx, licenceId, { code: 'main', name: 'Main' });
          const configurationIds = await features.configurations.createStandardInTransaction(tx, licenceId);
          const placement = { entityGroupId: main.groupId, defaultEntityId: main.id };
          await features.users.createInTransaction(
            tx,
            licenceId,
            {
              login: SUPPORT_LOGIN,
              firstName: 'Support',
              lastName: input.name,
              email: 'support@gatehouse.invalid',
              language: 'en',
              configurationId: configurationIds.get('support')!,
              ...placement,
            },
            acting,
            { protected: true, sendWelcome: false },
          );
          try {
            const admin = await features.users.createInTransaction(tx, licenceId, { ...input.admin, configurationId: configurationIds.get('admin')!, ...placement }, acting);
            return { licenceId, adminId: admin.id, adminSetPasswordLink: admin.setPasswordLink };
          } catch (error) {
            throw nestProblem(error, 'admin');
          }
        });
        ctx.deliverSoon();
        const licence = await byId(result.licenceId);
        return {
          licence: await present(ctx.db, licence),
          admin: await features.users.get(result.licenceId, result.adminId),
          /** For the demo set-up only, which prints it; never sent over HTTP. */
          adminSetPasswordLink: result.adminSetPasswordLink,
        };
      } catch (error) {
        if (isUniqueViolation(error, 'licences_code_key')) throw invalidField('code', 'taken', { en: `a licence "${input.code}" exists already`, fr: `une licence « ${input.code} » existe déjà` });
        throw error;
      }
    },

    async list(query: { limit: number; cursor?: string }) {
      const after = cursors.byCode.decode(query.cursor);
      const rows = await store.listLicences(ctx.db, (after?.[0] as string | undefined) ?? null, query.limit);
      const page = pageOf(rows, query.limit, (row) => row, (row) => [row.code]);
      return { items: await Promise.all(page.items.map((row) => present(ctx.db, row))), nextCursor: page.nextCursor };
    },

    /**
     * `stepUp`, given for a licence admin, proves who they are when they turn two-factor off: a
     * stolen session alone must not lower the licence's sign-in. It runs before the transaction, so
     * a wrong try is counted even though the change is refused.
     */
    async update(licenceId: string, changes: LicenceChanges, actor: AuditActor, options: { stepUp?: () => Promise<void> } = {}) {
      const applications = changes.applications === undefined ? undefined : await checkApplications(changes.applications);
      const turningOff = async (executor: Executor) => changes.twoFactor === false && (await byId(licenceId, executor)).twoFactor;
      const steppedUp = options.stepUp !== undefined && (await turningOff(ctx.db));
      if (steppedUp) await options.stepUp?.();
      return ctx.transaction(async (tx, announce) => {
        // Locked: users created meanwhile are checked against the switch as it will be.
        const licence = await store.findLicenceById(tx, licenceId, { lock: true });
        ensure(licence !== null, notFound('licence'));
        // Switched on meanwhile: the confirmation was not asked, so ask for it.
        ensure(options.stepUp === undefined || steppedUp || !(licence.twoFactor && changes.twoFactor === false), stepUpRequired());
        if (changes.twoFactor === true && !licence.twoFactor) await ensureMobilesForTwoFactor(tx, licenceId);
        const now = ctx.now();
        const updated = {
          name: changes.name ?? licence.name,
          seatLimit: changes.seatLimit ?? licence.seatLimit,
          twoFactor: changes.twoFactor ?? licence.twoFactor,
          applications: applications ?? licence.applications,
        };
        await store.updateLicence(tx, licenceId, { ...updated, updatedAt: now });
        const diff = changedFields({ name: licence.name, seatLimit: licence.seatLimit, twoFactor: licence.twoFactor, applications: licence.applications }, updated);
        if (Object.keys(diff.after).length > 0) {
          await recordAudit(tx, actor, { licenceId, action: 'licence.update', target: { kind: 'licence', id: licenceId, name: licence.code }, ...diff }, now);
        }
        await announce({ kind: 'licence', licenceId });
        return present(tx, await byId(licenceId, tx));
      });
    },

    countLicences: () => store.countLicences(ctx.db),
  };
}

export type LicencesService = ReturnType<typeof createLicencesService>;
