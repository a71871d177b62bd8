import { patchBodyValidation, scimPatch, ScimError as PatchError, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import type { AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import type { ProvisioningActor } from '../../platform/http/actor.ts';
import type { Acting, UserFields, UsersService } from '../users/service.ts';
import { invalidValue, ScimError } from './errors.ts';
import { filterCondition, sortExpression } from './filter.ts';
import { AttributeError, EXTENSION_SCHEMA, project, readScimUser, toScimUser, type RequestedUser, type ScimUser, type ScimUserRow } from './resource.ts';
import * as store from './store.ts';

// SCIM use cases. Every change goes through the users service inside one transaction, so the
// licence's rules hold as in the console (seat limit, mobile under two-factor, unique logins, the
// privilege ceiling of the token's creator), the audit trail names the token, and a refused request
// changes nothing.

export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The most users one page answers (ServiceProviderConfig's filter.maxResults). */
export const MAX_PAGE = 200;

export interface ListQuery {
  filter?: string;
  startIndex?: number;
  count?: number;
  sortBy?: string;
  sortOrder?: 'ascending' | 'descending';
  attributes?: string;
  excludedAttributes?: string;
}

/** The If-Match header of a request (RFC 7232 §3.1), or undefined when it has none. */
export type Precondition = string | undefined;

/** Who acts: the token, within the rights of the admin who made it, named by the token in the audit trail. */
export function actingOf(actor: ProvisioningActor, audit: AuditActor): Acting {
  return {
    granter: 'admin',
    userId: actor.createdBy,
    sessionId: '',
    supportVisit: false,
    // No act of SCIM asks for a step-up: it never reaches the support account.
    stepUp: async () => {
      throw new ScimError(403, 'This act needs the confirmation of a person in the console');
    },
    audit,
  };
}

const attributeRefusal = (error: unknown) => (error instanceof AttributeError ? invalidValue(error.attribute, error.reason) : error);

/** Reads a resource, every refusal naming its attribute. */
function read(resource: unknown, previous?: ScimUser): RequestedUser {
  try {
    return readScimUser(resource, previous);
  } catch (error) {
    throw attributeRefusal(error);
  }
}

/** 412 unless the If-Match header names the user's current version (or is *). */
function ensureVersion(precondition: Precondition, version: number): void {
  if (precondition === undefined) return;
  const tags = precondition.split(',').map((tag) => tag.trim());
  if (tags.includes('*')) return;
  const current = String(version);
  if (!tags.some((tag) => tag.replace(/^W\//, '').replace(/^"|"$/g, '') === current)) {
    throw new ScimError(412, `If-Match: the user has changed since that version; it is now W/"${version}"`);
  }
}

export function createScimService(ctx: AppContext, users: UsersService) {
  const baseUrl = `${ctx.config.publicUrl.replace(/\/$/, '')}/scim/v2`;
  const present = (row: ScimUserRow) => toScimUser(row, baseUrl);
  const catalogOf = (actor: ProvisioningActor) => users.ceilings.catalogFor({ userId: actor.createdBy, supportVisit: false });

  const found = async (executor: Executor, licenceId: string, id: string, lock = false) => {
    // SCIM ids are strings: one that is not ours names no user.
    const row = UUID.test(id) ? await store.findUser(executor, licenceId, id, { lock }) : null;
    if (row === null) throw new ScimError(404, `No user ${id}`);
    return row;
  };

  /** The ids the Gatehouse extension names; unknown names are refused by attribute. */
  const resolveExtension = async (executor: Executor, licenceId: string, extension: RequestedUser['extension']) => {
    const ids: { configurationId?: string; entityGroupId?: string; defaultEntityId?: string } = {};
    if (extension?.configuration !== undefined) {
      const id = await store.configurationIdByKey(executor, licenceId, extension.configuration);
      if (id === null) throw invalidValue(`${EXTENSION_SCHEMA}:configuration`, `"${extension.configuration}" is not the key of a rights configuration of this licence`);
      ids.configurationId = id;
    }
    if (extension?.entityGroup !== undefined) {
      const id = await store.entityGroupIdByName(executor, licenceId, extension.entityGroup);
      if (id === null) throw invalidValue(`${EXTENSION_SCHEMA}:entityGroup`, `"${extension.entityGroup}" is not the name of an entity group of this licence`);
      ids.entityGroupId = id;
    }
    if (extension?.defaultEntity !== undefined) {
      const id = await store.entityIdByCode(executor, licenceId, extension.defaultEntity);
      if (id === null) throw invalidValue(`${EXTENSION_SCHEMA}:defaultEntity`, `"${extension.defaultEntity}" is not the code of an entity of this licence`);
      ids.defaultEntityId = id;
    }
    return ids;
  };

  /**
   * Brings a user to what a PUT or PATCH asks, in the caller's transaction: their fields, then their
   * status (so a mobile added in the same request counts for activation), then the externalId.
   */
  const apply = async (tx: Executor, actor: ProvisioningActor, acting: Acting, catalog: Awaited<ReturnType<typeof catalogOf>>, current: ScimUserRow, wanted: RequestedUser, extensionChanged: boolean) => {
    if (wanted.login !== current.login) throw new ScimError(400, `userName: cannot be changed once the user exists (it is "${current.login}")`, 'mutability');
    const ids = extensionChanged ? await resolveExtension(tx, actor.licenceId, wanted.extension) : {};
    const changes: Partial<UserFields> = {
      ...(wanted.firstName === current.firstName ? {} : { firstName: wanted.firstName }),
      ...(wanted.lastName === current.lastName ? {} : { lastName: wanted.lastName }),
      ...(wanted.email === current.email ? {} : { email: wanted.email }),
      ...(wanted.mobile === current.mobile ? {} : { mobile: wanted.mobile }),
      ...(wanted.language === undefined || wanted.language === current.language ? {} : { language: wanted.language }),
      ...ids,
    };
    if (Object.keys(changes).length > 0) await users.updateInTransaction(tx, actor.licenceId, current.id, changes, acting, catalog);
    const active = current.status === 'active';
    if (wanted.active === false && active) await users.deactivateInTransaction(tx, actor.licenceId, current.id, acting, catalog);
    if (wanted.active === true && !active) await users.activateInTransaction(tx, actor.licenceId, current.id, acting, catalog);
    if (wanted.externalId !== current.externalId) await store.setExternalId(tx, actor.licenceId, current.id, wanted.externalId);
  };

  /** Runs a change to one user in a transaction, after the If-Match check under the row's lock. */
  const change = async (actor: ProvisioningActor, id: string, precondition: Precondition, work: (tx: Executor, current: ScimUserRow, catalog: Awaited<ReturnType<typeof catalogOf>>) => Promise<void>) => {
    const catalog = await catalogOf(actor);
    const row = await ctx.transaction(async (tx, announce) => {
      const current = await found(tx, actor.licenceId, id, true);
      ensureVersion(precondition, current.version);
      await work(tx, current, catalog);
      await announce({ kind: 'user', licenceId: actor.licenceId, userId: id });
      return found(tx, actor.licenceId, id);
    });
    ctx.deliverSoon();
    return present(row);
  };

  return {
    baseUrl,

    async get(actor: ProvisioningActor, id: string) {
      return present(await found(ctx.db, actor.licenceId, id));
    },

    async list(actor: ProvisioningActor, query: ListQuery) {
      const startIndex = Math.max(1, query.startIndex ?? 1);
      const limit = Math.min(MAX_PAGE, Math.max(0, query.count ?? MAX_PAGE));
      const page = await store.listUsers(ctx.db, actor.licenceId, {
        where: query.filter === undefined || query.filter.trim() === '' ? undefined : filterCondition(query.filter),
        sortBy: query.sortBy === undefined ? undefined : sortExpression(query.sortBy),
        descending: query.sortOrder === 'descending',
        offset: startIndex - 1,
        limit,
      });
      return {
        schemas: [LIST_SCHEMA],
        totalResults: page.total,
        startIndex,
        itemsPerPage: page.rows.length,
        Resources: page.rows.map((row) => project(present(row), query)),
      };
    },

    async create(actor: ProvisioningActor, acting: Acting, resource: unknown) {
      const wanted = read(resource);
      const catalog = await catalogOf(actor);
      try {
        const id = await ctx.transaction(async (tx, announce) => {
          const ids = await resolveExtension(tx, actor.licenceId, wanted.extension);
          const created = await users.createInTransaction(
            tx,
            actor.licenceId,
            {
              login: wanted.login,
              firstName: wanted.firstName,
              lastName: wanted.lastName,
              email: wanted.email,
              mobile: wanted.mobile,
              language: wanted.language ?? 'en',
              configurationId: ids.configurationId ?? actor.defaults.configurationId,
              entityGroupId: ids.entityGroupId ?? actor.defaults.entityGroupId,
              ...(ids.defaultEntityId === undefined ? {} : { defaultEntityId: ids.defaultEntityId }),
            },
            acting,
            { catalog },
          );
          if (wanted.externalId !== null) await store.setExternalId(tx, actor.licenceId, created.id, wanted.externalId);
          if (wanted.active === false) await users.deactivateInTransaction(tx, actor.licenceId, created.id, acting, catalog);
          await announce({ kind: 'user', licenceId: actor.licenceId, userId: created.id });
          return created.id;
        });
        ctx.deliverSoon();
        return present(await found(ctx.db, actor.licenceId, id));
      } catch (error) {
        if (isUniqueViolation(error, 'users_login_key')) throw new ScimError(409, `userName: "${wanted.login}" is taken in this licence`, 'uniqueness');
        throw error;
      }
    },

    /** PUT: the resource as sent replaces the user; the extension, when absent, leaves rights as they are. */
    replace(actor: ProvisioningActor, acting: Acting, id: string, resource: unknown, precondition: Precondition) {
      const wanted = read(resource);
      return change(actor, id, precondition, (tx, current, catalog) => apply(tx, actor, acting, catalog, current, wanted, wanted.extension !== undefined));
    },

    /** PATCH: the operations apply to the user's SCIM representation, which is then read back as a PUT would be. */
    patch(actor: ProvisioningActor, acting: Acting, id: string, body: { schemas: string[]; Operations: unknown[] }, precondition: Precondition) {
      try {
        patchBodyValidation(body as never);
      } catch (error) {
        throw new ScimError(400, `Operations: ${(error as Error).message}`, 'invalidSyntax');
      }
      return change(actor, id, precondition, async (tx, current, catalog) => {
        const original = present(current);
        let patched: ScimUser;
        try {
          patched = scimPatch(structuredClone(original) as unknown as ScimResource, body.Operations as ScimPatchOperation[], { mutateDocument: false, treatMissingAsAdd: true }) as unknown as ScimUser;
        } catch (error) {
          if (error instanceof PatchError) throw new ScimError(400, `Operations: ${error.message}`, (error.scimCode as 'invalidPath' | 'noTarget' | 'invalidSyntax' | 'invalidValue' | undefined) ?? 'invalidValue');
          throw error;
        }
        const wanted = read(patched, original);
        const extensionChanged = JSON.stringify(patched[EXTENSION_SCHEMA]) !== JSON.stringify(original[EXTENSION_SCHEMA]);
        await apply(tx, actor, acting, catalog, current, wanted, extensionChanged);
      });
    },

    async remove(actor: ProvisioningActor, acting: Acting, id: string, precondition: Precondition) {
      const catalog = await catalogOf(actor);
      await ctx.transaction(async (tx, announce) => {
        const current = await found(tx, actor.licenceId, id, true);
        ensureVersion(precondition, current.version);
        await users.removeInTransaction(tx, actor.licenceId, id, acting, catalog);
        await announce({ kind: 'user', licenceId: actor.licenceId, userId: id });
      });
    },
  };
}

export type ScimService = ReturnType<typeof createScimService>;
