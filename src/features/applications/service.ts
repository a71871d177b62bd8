import { randomBytes, randomUUID } from 'node:crypto';
import type { CompiledCatalog } from '../../core/catalog.ts';
import { changedFields, recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { hashToken, randomToken } from '../../platform/crypto.ts';
import type { Transaction } from '../../platform/db/client.ts';
import { ensure, fieldError, invalidFieldsDetail, notFound, Problem, type FieldError } from '../../platform/http/problems.ts';
import { deleteApplication, findApplication, insertApplication, listApplications, updateApplication, type ApplicationKind, type ApplicationRow, type IdTokenSigningAlg } from './store.ts';
import { uriListErrors, uriProblem } from './uris.ts';

// The platform's applications, registered by operators for the OpenID Provider. Web apps and services
// are confidential clients holding a secret (shown once, stored as its hash); single-page and native
// apps are public clients (PKCE only). Every change is audited and announced, so each process's
// provider forgets the client it may have cached.

export const APPLICATION_KINDS = ['web', 'spa', 'native', 'service'] as const satisfies readonly ApplicationKind[];

/** The scopes a service may receive with client credentials (issue 11, item 6). */
export const SERVICE_SCOPES = ['decisions:read', 'users:read'] as const;
export type ServiceScope = (typeof SERVICE_SCOPES)[number];

/** How an application's ID tokens may be signed; RS256 unless its operator chose otherwise. */
export const ID_TOKEN_SIGNING_ALGS = ['RS256', 'ES256'] as const satisfies readonly IdTokenSigningAlg[];

export interface ApplicationInput {
  name: string;
  kind: ApplicationKind;
  redirectUris: string[];
  postLogoutRedirectUris?: string[] | undefined;
  backchannelLogoutUri?: string | null | undefined;
  application?: string | null | undefined;
  scopes?: ServiceScope[] | undefined;
  idTokenSigningAlg?: IdTokenSigningAlg | undefined;
}

export type ApplicationChanges = Partial<Omit<ApplicationInput, 'kind'>>;

/** What the API shows of an application: everything but its secret's hash. */
export interface ApplicationView {
  id: string;
  clientId: string;
  name: string;
  kind: ApplicationKind;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  application: string | null;
  scopes: string[];
  /** null for a service, which receives no ID token. */
  idTokenSigningAlg: IdTokenSigningAlg | null;
  hasSecret: boolean;
  createdAt: string;
  updatedAt: string;
  secretRotatedAt: string | null;
}

const confidential = (kind: ApplicationKind) => kind === 'web' || kind === 'service';

/** Every kind but a service signs people in, and so receives ID tokens. */
const signsIdTokens = (kind: ApplicationKind) => kind !== 'service';

/** A client id: url-safe and unguessable, so listing one application tells nothing of the others. */
const newClientId = () => `app_${randomBytes(16).toString('base64url')}`;

/** A client secret: 32 random bytes, base64url. */
const newClientSecret = () => randomToken();

export function presentApplication(row: ApplicationRow): ApplicationView {
  return {
    id: row.id,
    clientId: row.clientId,
    name: row.name,
    kind: row.kind,
    redirectUris: row.redirectUris,
    postLogoutRedirectUris: row.postLogoutRedirectUris,
    backchannelLogoutUri: row.backchannelLogoutUri,
    application: row.application,
    scopes: row.scopes,
    idTokenSigningAlg: signsIdTokens(row.kind) ? row.idTokenSigningAlg : null,
    hasSecret: row.secretHash !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    secretRotatedAt: row.secretRotatedAt?.toISOString() ?? null,
  };
}

/** What the audit trail keeps of an application: its registration, never its secret. */
const audited = (row: Omit<ApplicationRow, 'id' | 'clientId' | 'secretHash' | 'createdAt' | 'updatedAt' | 'secretRotatedAt' | 'idTokenSigningAlg'> & { idTokenSigningAlg: IdTokenSigningAlg | null }) => ({
  name: row.name,
  kind: row.kind,
  redirectUris: row.redirectUris,
  postLogoutRedirectUris: row.postLogoutRedirectUris,
  backchannelLogoutUri: row.backchannelLogoutUri,
  application: row.application,
  scopes: row.scopes,
  idTokenSigningAlg: signsIdTokens(row.kind) ? row.idTokenSigningAlg : null,
});

/** A catalog key an application may stand for: an application (email-campaigns.campaigns) or its category (email-campaigns). */
function inCatalog(catalog: CompiledCatalog, key: string): boolean {
  return catalog.applicationCategory.has(key) || catalog.source.categories.some((category) => category.key === key);
}

type Registration = Omit<ApplicationInput, 'postLogoutRedirectUris' | 'backchannelLogoutUri' | 'application' | 'scopes' | 'idTokenSigningAlg'> & {
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  application: string | null;
  scopes: string[];
  /** null only for a service that was given none (a service keeps the column's default, unused). */
  idTokenSigningAlg: IdTokenSigningAlg | null;
};

/**
 * Every rule of a registration, as field errors. A service signs no one in (client credentials only),
 * so it has no redirect or logout URIs; only a service receives scopes.
 */
function registrationErrors(registration: Registration, catalog: CompiledCatalog): FieldError[] {
  const { kind } = registration;
  const errors: FieldError[] = [];
  const privateUse = kind === 'native';
  if (kind === 'service') {
    if (registration.redirectUris.length > 0) errors.push(fieldError('redirectUris', 'not_allowed', 'a service signs no one in: it has no redirect URIs'));
    if (registration.postLogoutRedirectUris.length > 0) errors.push(fieldError('postLogoutRedirectUris', 'not_allowed', 'a service signs no one in: it has no post-logout redirect URIs'));
    if (registration.backchannelLogoutUri !== null) errors.push(fieldError('backchannelLogoutUri', 'not_allowed', 'a service signs no one in: it has no back-channel logout'));
    if (registration.idTokenSigningAlg !== null) errors.push(fieldError('idTokenSigningAlg', 'not_allowed', 'a service signs no one in: it receives no ID token'));
  } else {
    if (registration.redirectUris.length === 0) errors.push(fieldError('redirectUris', 'required', 'needs at least one redirect URI'));
    errors.push(...uriListErrors('redirectUris', registration.redirectUris, { privateUse }));
    errors.push(...uriListErrors('postLogoutRedirectUris', registration.postLogoutRedirectUris, { privateUse }));
    if (registration.scopes.length > 0) errors.push(fieldError('scopes', 'not_allowed', 'only a service receives scopes'));
  }
  if (registration.backchannelLogoutUri !== null && kind !== 'service') {
    const problem = uriProblem(registration.backchannelLogoutUri, { privateUse: false });
    if (problem !== null) errors.push({ field: 'backchannelLogoutUri', ...problem });
  }
  if (registration.application !== null && !inCatalog(catalog, registration.application)) {
    errors.push(fieldError('application', 'unknown_application', `"${registration.application}" is not an application of the catalog`));
  }
  return errors;
}

const unique = <T>(values: readonly T[]) => [...new Set(values)];

export function createApplicationsService(ctx: Pick<AppContext, 'catalog' | 'now' | 'transaction' | 'db'>) {
  const load = async (tx: Transaction, id: string) => {
    const row = await findApplication(tx, id, { lock: true });
    ensure(row !== null, notFound('application'));
    return row;
  };

  const check = async (registration: Registration) => {
    const errors = registrationErrors(registration, await ctx.catalog.current());
    ensure(errors.length === 0, new Problem('validation_failed', invalidFieldsDetail(errors), { errors }));
  };

  return {
    async list(): Promise<ApplicationView[]> {
      return (await listApplications(ctx.db)).map(presentApplication);
    },

    async get(id: string): Promise<ApplicationView> {
      const row = await findApplication(ctx.db, id);
      ensure(row !== null, notFound('application'));
      return presentApplication(row);
    },

    /** Registers an application; a confidential one's secret is in this answer and nowhere else, ever. */
    async create(input: ApplicationInput, actor: AuditActor): Promise<{ id: string; clientId: string; clientSecret: string | null }> {
      const registration: Registration = {
        name: input.name,
        kind: input.kind,
        redirectUris: unique(input.redirectUris),
        postLogoutRedirectUris: unique(input.postLogoutRedirectUris ?? []),
        backchannelLogoutUri: input.backchannelLogoutUri ?? null,
        application: input.application ?? null,
        scopes: unique(input.scopes ?? []),
        idTokenSigningAlg: input.idTokenSigningAlg ?? (signsIdTokens(input.kind) ? 'RS256' : null),
      };
      await check(registration);
      const id = randomUUID();
      const clientId = newClientId();
      const clientSecret = confidential(input.kind) ? newClientSecret() : null;
      await ctx.transaction(async (tx, announce) => {
        const now = ctx.now();
        const row = await insertApplication(tx, { id, clientId, ...registration, idTokenSigningAlg: registration.idTokenSigningAlg ?? 'RS256', secretHash: clientSecret === null ? null : hashToken(clientSecret), createdAt: now, updatedAt: now });
        await recordAudit(tx, actor, { licenceId: null, action: 'application.create', target: { kind: 'application', id, name: row.name }, after: { clientId, ...audited(row) } }, now);
        await announce({ kind: 'application', applicationId: id, clientId });
      });
      return { id, clientId, clientSecret };
    },

    /** Changes any of an application's fields but its kind (a client does not turn public or confidential). */
    async update(id: string, changes: ApplicationChanges, actor: AuditActor): Promise<ApplicationView> {
      const current = await findApplication(ctx.db, id);
      ensure(current !== null, notFound('application'));
      const merged = (row: ApplicationRow): Registration => ({
        name: changes.name ?? row.name,
        kind: row.kind,
        redirectUris: changes.redirectUris === undefined ? row.redirectUris : unique(changes.redirectUris),
        postLogoutRedirectUris: changes.postLogoutRedirectUris === undefined ? row.postLogoutRedirectUris : unique(changes.postLogoutRedirectUris),
        backchannelLogoutUri: changes.backchannelLogoutUri === undefined ? row.backchannelLogoutUri : changes.backchannelLogoutUri,
        application: changes.application === undefined ? row.application : changes.application,
        scopes: changes.scopes === undefined ? row.scopes : unique(changes.scopes),
        idTokenSigningAlg: changes.idTokenSigningAlg ?? (signsIdTokens(row.kind) ? row.idTokenSigningAlg : null),
      });
      // Checked before the transaction (the catalog is read outside it). Each rule looks at one field
      // and the kind, which never changes, so the check holds for the row as locked below too.
      await check(merged(current));
      return ctx.transaction(async (tx, announce) => {
        const before = await load(tx, id);
        const { kind: _kind, ...next } = merged(before);
        const now = ctx.now();
        const diff = changedFields(audited(before), audited({ ...before, ...next }));
        if (Object.keys(diff.after).length === 0) return presentApplication(before);
        const row = await updateApplication(tx, id, { ...next, idTokenSigningAlg: next.idTokenSigningAlg ?? before.idTokenSigningAlg, updatedAt: now });
        ensure(row !== null, notFound('application'));
        await recordAudit(tx, actor, { licenceId: null, action: 'application.update', target: { kind: 'application', id, name: row.name }, ...diff }, now);
        await announce({ kind: 'application', applicationId: id, clientId: row.clientId });
        return presentApplication(row);
      });
    },

    /** A new secret for a confidential client; the old one is refused from now on, by every process. */
    async rotateSecret(id: string, actor: AuditActor): Promise<{ clientId: string; clientSecret: string }> {
      return ctx.transaction(async (tx, announce) => {
        const row = await load(tx, id);
        ensure(
          confidential(row.kind),
          new Problem('conflict', {
            en: `A ${row.kind === 'spa' ? 'single-page' : 'native'} application is a public client: it has no secret to rotate`,
            fr: `Une application ${row.kind === 'spa' ? 'monopage' : 'native'} est un client public : elle n'a pas de secret à renouveler`,
          }),
        );
        const clientSecret = newClientSecret();
        const now = ctx.now();
        await updateApplication(tx, id, { secretHash: hashToken(clientSecret), secretRotatedAt: now, updatedAt: now });
        await recordAudit(tx, actor, { licenceId: null, action: 'application.rotate-secret', target: { kind: 'application', id, name: row.name } }, now);
        await announce({ kind: 'application', applicationId: id, clientId: row.clientId });
        return { clientId: row.clientId, clientSecret };
      });
    },

    async remove(id: string, actor: AuditActor): Promise<void> {
      await ctx.transaction(async (tx, announce) => {
        const row = await deleteApplication(tx, id);
        ensure(row !== null, notFound('application'));
        const now = ctx.now();
        await recordAudit(tx, actor, { licenceId: null, action: 'application.delete', target: { kind: 'application', id, name: row.name }, before: { clientId: row.clientId, ...audited(row) } }, now);
        await announce({ kind: 'application', applicationId: id, clientId: row.clientId });
      });
    },
  };
}

export type ApplicationsService = ReturnType<typeof createApplicationsService>;
