import { randomUUID } from 'node:crypto';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { hashToken, randomToken } from '../../platform/crypto.ts';
import type { Executor, Transaction } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { revokeApiTokens } from '../../platform/http/api-tokens.ts';
import { cursors, pageOf } from '../../platform/http/pagination.ts';
import { ensure, fieldError, invalidFieldsDetail, notAnActiveUser, notFound, Problem, type FieldError } from '../../platform/http/problems.ts';
import { enqueueMessages } from '../../platform/messaging/outbox.ts';
import type { CompiledCatalog } from '../../core/catalog.ts';
import type { CeilingCaller } from '../users/ceiling.ts';
import type { UsersService } from '../users/service.ts';
import { routesOf, type Delivery, type Route } from './holders.ts';
import { requestOutcomeMessage, secretDelivery } from './messages.ts';
import * as store from './store.ts';

// API accounts: licence admins ask, the vendor's operators decide, and the secret goes straight to
// its holder — into their Transfer Box when they are a console user who can open it, otherwise by
// SMS — so that neither the admin nor the operator ever sees it. Only its hash is kept.

/**
 * The holder as a request names them: a console user by id (names, e-mail and mobile then come from
 * that user), or a person outside the console by names, e-mail and mobile. Without a user id the
 * holder is always the outside person, reached by SMS, even when a console user has that e-mail:
 * an e-mail is not an identity, and an admin can give any user any e-mail.
 */
export type HolderInput = { userId: string } | { firstName: string; lastName: string; email: string; mobile?: string | undefined };

/** Where a secret goes into a Transfer Box, inside the caller's transaction. */
export interface TransferBoxDelivery {
  deliverInTransaction(
    tx: Transaction,
    item: { licenceId: string; recipientUserId: string; name: string; contentType: string; content: Buffer; sender: { kind: 'system' | 'operator' | 'user'; id: string | null; name: string } },
  ): Promise<{ id: string }>;
}

export type { Delivery };

// Logins that say what they are for are easier to audit; a warning, not a rule.
const SERVICE_LOGIN = /ws|webservice/i;

type RecordedHolder = Pick<store.RequestRow, 'holderUserId' | 'holderFirstName' | 'holderLastName' | 'holderEmail' | 'holderMobile'>;

/** The holder as the operator must see them: a console holder's current name, login and contacts. */
function presentHolder(row: RecordedHolder, user: store.HolderUserView) {
  return {
    userId: row.holderUserId,
    login: user?.login ?? null,
    firstName: user?.firstName ?? row.holderFirstName,
    lastName: user?.lastName ?? row.holderLastName,
    email: user?.email ?? row.holderEmail,
    mobile: user === null ? row.holderMobile : user.mobile,
  };
}

/** `delivery`: how the secret went (fulfilled), would go now (pending; null when it cannot), or null (rejected). */
export function presentRequest(row: store.RequestRow, view: { licenceCode?: string | undefined; holderUser: store.HolderUserView; delivery: Delivery | null }) {
  return {
    id: row.id,
    ...(view.licenceCode === undefined ? {} : { licence: view.licenceCode }),
    login: row.login,
    holder: presentHolder(row, view.holderUser),
    status: row.status,
    delivery: row.status === 'pending' ? view.delivery : row.delivery,
    warnings: row.warnings,
    requestedBy: row.requestedByLogin,
    reason: row.reason,
    apiAccountId: row.apiAccountId,
    createdAt: row.createdAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
  };
}

export function presentAccount(view: store.AccountView) {
  const { account } = view;
  return {
    id: account.id,
    login: account.login,
    holder: presentHolder(account, view.holderUser),
    status: account.status,
    configuration: view.configuration,
    entityGroup: view.entityGroup,
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}

const validationFailed = (errors: FieldError[]) => new Problem('validation_failed', invalidFieldsDetail(errors), { errors });
const loginTaken = (login: string) => new Problem('login_taken', { en: `The API login "${login}" is taken in this licence`, fr: `L'identifiant API « ${login} » est déjà pris dans cette licence` }, { errors: [fieldError('login', 'taken', 'is taken by an API account or a pending request')] });

/** A route that cannot be taken at fulfilment or rotation: nothing is created, nothing is sent. */
function deliverable(route: Route): asserts route is Exclude<Route, { delivery: null }> {
  if (route.delivery === null) throw new Problem('conflict', { en: `The secret cannot be delivered: ${route.error.field} ${route.error.message}`, fr: `Le secret ne peut pas être remis : ${route.error.field} manque ou ne convient pas` }, { errors: [route.error] });
}

export function createApiAccountsService(ctx: AppContext, transferBox: TransferBoxDelivery, ceilings: UsersService['ceilings']) {

  const accountView = async (executor: Executor, licenceId: string, id: string) => {
    const view = await store.findAccountView(executor, licenceId, id);
    ensure(view !== null, notFound('API account'));
    return presentAccount(view);
  };

  /**
   * Makes a new secret and sends it along the holder's route, in `language` (the holder's own, or for
   * an outside holder that of the admin who asked); answers its hash. Inside the caller's transaction.
   */
  async function deliverSecret(tx: Transaction, account: store.AccountRow, route: Exclude<Route, { delivery: null }>, language: string, licenceCode: string, actor: AuditActor): Promise<string> {
    const secret = randomToken();
    const texts = secretDelivery(language, { login: account.login, licenceCode, secret });
    if (route.delivery === 'transfer-box') {
      await transferBox.deliverInTransaction(tx, {
        licenceId: account.licenceId,
        recipientUserId: route.userId,
        name: texts.itemName,
        contentType: 'text/plain; charset=utf-8',
        content: Buffer.from(texts.itemText, 'utf8'),
        sender: { kind: 'system', id: null, name: `Gatehouse (${actor.name})` },
      });
    } else {
      await enqueueMessages(tx, [{ licenceId: account.licenceId, channel: 'sms', to: route.mobile, text: texts.sms }]);
    }
    return hashToken(secret);
  }

  /**
   * The one route of one recorded holder, read in `tx`. The catalog is taken before the transaction
   * opens: refreshing it reads the database, which must not wait on the transaction's own connection.
   */
  const routeOf = async (tx: Transaction, catalog: CompiledCatalog, licenceId: string, holder: { holderUserId: string | null; holderMobile: string | null }): Promise<Route> => {
    const [route] = await routesOf(tx, catalog, licenceId, [{ userId: holder.holderUserId, mobile: holder.holderMobile }]);
    if (route === undefined) throw new Error('routesOf answers one route per holder');
    return route;
  };

  /**
   * What a request would be, checked as the create checks it: the requester, a free login, the holder
   * (an active console user named by id, or an outside person whose e-mail names no more than one
   * user) and the delivery. Changes nothing.
   */
  async function assess(tx: Transaction, catalog: CompiledCatalog, licenceId: string, requesterId: string, input: { login: string; holder: HolderInput }) {
    const requester = await store.findRequester(tx, licenceId, requesterId);
    ensure(requester !== null, new Problem('forbidden', { en: 'API accounts are requested by console users', fr: 'Les comptes API sont demandés par les utilisateurs de la console' }));
    ensure(!(await store.apiLoginHeld(tx, licenceId, input.login)), loginTaken(input.login));
    const errors: FieldError[] = [];
    let holder: RecordedHolder;
    let holderUser: store.HolderUserView = null;
    if ('userId' in input.holder) {
      const [user] = await store.findHolderUsers(tx, licenceId, [input.holder.userId]);
      ensure(user !== undefined && user.status === 'active' && !user.protected, notAnActiveUser('holder.userId'));
      holder = { holderUserId: user.id, holderFirstName: user.firstName, holderLastName: user.lastName, holderEmail: user.email, holderMobile: user.mobile };
      holderUser = user;
    } else {
      if ((await store.countUsersByEmail(tx, licenceId, input.holder.email)) > 1) {
        errors.push(fieldError('holder.email', 'ambiguous', 'belongs to several users of this licence: name the holder by holder.userId'));
      }
      holder = { holderUserId: null, holderFirstName: input.holder.firstName, holderLastName: input.holder.lastName, holderEmail: input.holder.email, holderMobile: input.holder.mobile ?? null };
    }
    const route = await routeOf(tx, catalog, licenceId, holder);
    if (route.delivery === null) errors.push(route.error);
    ensure(errors.length === 0 && route.delivery !== null, validationFailed(errors));
    const warnings = SERVICE_LOGIN.test(input.login) ? [] : ['login_without_ws'];
    return { requester, holder, holderUser, delivery: route.delivery, warnings };
  }

  const notifyRequester = async (tx: Transaction, request: store.RequestRow, outcome: Parameters<typeof requestOutcomeMessage>[1]) => {
    const message = requestOutcomeMessage(request.requestedByLanguage, outcome);
    await enqueueMessages(tx, [{ licenceId: request.licenceId, channel: 'email', to: request.requestedByEmail, ...message }]);
  };

  const pendingRequest = async (tx: Transaction, requestId: string) => {
    const request = await store.findRequestForDecision(tx, requestId);
    ensure(request !== null, notFound('API account request'));
    ensure(request.status === 'pending', new Problem('conflict', { en: `This request was ${request.status} already`, fr: `Cette demande a déjà été ${request.status === 'fulfilled' ? 'traitée' : 'refusée'}` }));
    const licence = await store.findLicenceName(tx, request.licenceId);
    ensure(licence !== null, notFound('licence'));
    return { request, licence };
  };

  return {
    /** What a request would answer — its delivery and warnings — without filing it. */
    async preview(licenceId: string, requesterId: string, input: { login: string; holder: HolderInput }) {
      const catalog = await ctx.catalog.current();
      const { delivery, warnings } = await ctx.transaction((tx) => assess(tx, catalog, licenceId, requesterId, input));
      return { delivery, warnings };
    },

    /** A licence admin asks for an API account for a holder. */
    async request(licenceId: string, requesterId: string, input: { login: string; holder: HolderInput }, actor: AuditActor) {
      try {
        const catalog = await ctx.catalog.current();
        const created = await ctx.transaction(async (tx) => {
          const { requester, holder, holderUser, delivery, warnings } = await assess(tx, catalog, licenceId, requesterId, input);
          const now = ctx.now();
          const row: store.RequestRow = {
            licenceId,
            id: randomUUID(),
            login: input.login,
            ...holder,
            warnings,
            status: 'pending',
            requestedById: requesterId,
            requestedByLogin: requester.login,
            requestedByEmail: requester.email,
            requestedByLanguage: requester.language,
            reason: null,
            decidedAt: null,
            decidedBy: null,
            apiAccountId: null,
            delivery: null,
            createdAt: now,
          };
          await store.insertRequest(tx, row);
          const audited = presentHolder(holder, holderUser);
          await recordAudit(tx, actor, { licenceId, action: 'api_account_request.create', target: { kind: 'api_account_request', id: row.id, name: row.login }, after: { login: row.login, holder: audited, delivery, warnings } }, now);
          return { row, holderUser, delivery };
        });
        return presentRequest(created.row, { holderUser: created.holderUser, delivery: created.delivery });
      } catch (error) {
        if (isUniqueViolation(error, 'api_account_requests_pending_login_key')) throw loginTaken(input.login);
        throw error;
      }
    },

    async listRequests(filter: { licenceId?: string; status?: store.RequestRow['status']; limit: number; cursor?: string }) {
      const after = cursors.newestFirst.decode(filter.cursor);
      const rows = await store.listRequests(ctx.db, { ...filter, after: after as [string, string] | null });
      // A pending request says how its secret would go now, so the operator knows before fulfilling.
      const planned = new Map<string, Delivery | null>();
      const catalog = await ctx.catalog.current();
      const pendingByLicence = new Map<string, typeof rows>();
      for (const row of rows) {
        if (row.request.status === 'pending') pendingByLicence.set(row.request.licenceId, [...(pendingByLicence.get(row.request.licenceId) ?? []), row]);
      }
      for (const [licenceId, pending] of pendingByLicence) {
        const routes = await routesOf(ctx.db, catalog, licenceId, pending.map(({ request }) => ({ userId: request.holderUserId, mobile: request.holderMobile })));
        pending.forEach(({ request }, i) => planned.set(request.id, routes[i]?.delivery ?? null));
      }
      return pageOf(
        rows,
        filter.limit,
        ({ request, licenceCode, holderUser }) => presentRequest(request, { licenceCode: filter.licenceId === undefined ? licenceCode : undefined, holderUser, delivery: planned.get(request.id) ?? null }),
        ({ request }) => [request.createdAt.toISOString(), request.id],
      );
    },

    /** An operator creates the account and delivers its secret to the holder. */
    async fulfil(requestId: string, input: { configurationId: string; entityGroupId: string }, actor: AuditActor) {
      const catalog = await ctx.catalog.current();
      const result = await ctx.transaction(async (tx, announce) => {
        const { request, licence } = await pendingRequest(tx, requestId);
        const errors: FieldError[] = [];
        const configuration = await store.configurationOf(tx, request.licenceId, input.configurationId);
        if (configuration === null) errors.push(fieldError('configurationId', 'not_found', 'is not a rights configuration of this licence'));
        if ((await store.entityGroupOf(tx, request.licenceId, input.entityGroupId)) === null) errors.push(fieldError('entityGroupId', 'not_found', 'is not an entity group of this licence'));
        ensure(errors.length === 0, validationFailed(errors));
        // The holder the request named, by id: their rights and mobile as they are now.
        const route = await routeOf(tx, catalog, request.licenceId, request);
        deliverable(route);
        const now = ctx.now();
        const account: store.AccountRow = {
          licenceId: request.licenceId,
          id: randomUUID(),
          login: request.login,
          holderFirstName: request.holderFirstName,
          holderLastName: request.holderLastName,
          holderEmail: request.holderEmail,
          holderMobile: request.holderMobile,
          holderUserId: request.holderUserId,
          status: 'active',
          configurationId: input.configurationId,
          entityGroupId: input.entityGroupId,
          secretHash: '',
          requestId: request.id,
          createdAt: now,
          updatedAt: now,
          secretSetAt: now,
          secretReminderSentAt: null,
        };
        const secretHash = await deliverSecret(tx, account, route, route.language ?? request.requestedByLanguage, licence.code, actor);
        const delivery = route.delivery;
        await store.insertAccount(tx, { ...account, secretHash });
        await store.decideRequest(tx, request, { status: 'fulfilled', reason: null, decidedAt: now, decidedBy: actor.name, apiAccountId: account.id, delivery });
        await notifyRequester(tx, request, { login: request.login, licenceName: licence.name, outcome: 'fulfilled', delivery, ...(configuration === null ? {} : { configuration }) });
        await recordAudit(tx, actor, { licenceId: request.licenceId, action: 'api_account.create', target: { kind: 'api_account', id: account.id, name: account.login }, after: { login: account.login, configurationId: input.configurationId, entityGroupId: input.entityGroupId, delivery } }, now);
        await announce({ kind: 'user', licenceId: request.licenceId, userId: account.id });
        return { licenceId: request.licenceId, accountId: account.id, delivery };
      });
      ctx.deliverSoon();
      return { apiAccount: await accountView(ctx.db, result.licenceId, result.accountId), delivery: result.delivery };
    },

    async reject(requestId: string, reason: string, actor: AuditActor) {
      const request = await ctx.transaction(async (tx) => {
        const { request, licence } = await pendingRequest(tx, requestId);
        const now = ctx.now();
        const decided = { ...request, status: 'rejected' as const, reason, decidedAt: now, decidedBy: actor.name };
        await store.decideRequest(tx, request, { status: 'rejected', reason, decidedAt: now, decidedBy: actor.name, apiAccountId: null, delivery: null });
        await notifyRequester(tx, request, { login: request.login, licenceName: licence.name, outcome: 'rejected', reason });
        await recordAudit(tx, actor, { licenceId: request.licenceId, action: 'api_account_request.reject', target: { kind: 'api_account_request', id: request.id, name: request.login }, after: { reason } }, now);
        return decided;
      });
      ctx.deliverSoon();
      const [holderUser] = request.holderUserId === null ? [] : await store.findHolderUsers(ctx.db, request.licenceId, [request.holderUserId]);
      return presentRequest(request, { holderUser: holderUser ?? null, delivery: null });
    },

    async listAccounts(licenceId: string, query: { limit: number; cursor?: string }) {
      const after = cursors.byLogin.decode(query.cursor);
      const rows = await store.listAccountViews(ctx.db, licenceId, after as [string, string] | null, query.limit);
      return pageOf(rows, query.limit, presentAccount, (row) => [row.account.login.toLowerCase(), row.account.id]);
    },

    /**
     * Deactivation revokes every token of the account at once. A licence admin acts only on an
     * account within their own reach (the privilege ceiling, as for users): else 403 exceeds_own_rights.
     */
    async setStatus(licenceId: string, accountId: string, status: 'active' | 'deactivated', actor: AuditActor, caller: CeilingCaller) {
      const catalog = await ceilings.catalogFor(caller);
      await ctx.transaction(async (tx, announce) => {
        const account = await store.findAccount(tx, licenceId, accountId, { lock: true });
        ensure(account !== null, notFound('API account'));
        await ceilings.ensureMayActOn(tx, licenceId, caller, catalog, account);
        if (account.status === status) return;
        const now = ctx.now();
        await store.updateAccount(tx, licenceId, accountId, { status, updatedAt: now });
        if (status === 'deactivated') await revokeApiTokens(tx, licenceId, accountId);
        await recordAudit(tx, actor, { licenceId, action: status === 'active' ? 'api_account.activate' : 'api_account.deactivate', target: { kind: 'api_account', id: accountId, name: account.login }, before: { status: account.status }, after: { status } }, now);
        await announce({ kind: 'user', licenceId, userId: accountId });
      });
      return accountView(ctx.db, licenceId, accountId);
    },

    /** A new secret, delivered like the first; the old one and its tokens stop working. */
    async rotateSecret(licenceId: string, accountId: string, actor: AuditActor) {
      const catalog = await ctx.catalog.current();
      const delivery = await ctx.transaction(async (tx, announce) => {
        const account = await store.findAccount(tx, licenceId, accountId, { lock: true });
        ensure(account !== null, notFound('API account'));
        const licence = await store.findLicenceName(tx, licenceId);
        ensure(licence !== null, notFound('licence'));
        // The same holder as at the start, by id — never whoever has their e-mail now.
        const route = await routeOf(tx, catalog, licenceId, account);
        deliverable(route);
        // An outside holder reads the language of the admin who asked for the account, as at its creation.
        const language = route.language ?? (await store.requestLanguage(tx, licenceId, account.requestId)) ?? 'en';
        const secretHash = await deliverSecret(tx, account, route, language, licence.code, actor);
        const now = ctx.now();
        // A new secret starts a new age (the licence's maximum, features/password-renewal).
        await store.updateAccount(tx, licenceId, accountId, { secretHash, secretSetAt: now, updatedAt: now });
        await revokeApiTokens(tx, licenceId, accountId);
        await recordAudit(tx, actor, { licenceId, action: 'api_account.rotate_secret', target: { kind: 'api_account', id: accountId, name: account.login }, after: { delivery: route.delivery } }, now);
        await announce({ kind: 'user', licenceId, userId: accountId });
        return route.delivery;
      });
      ctx.deliverSoon();
      return { apiAccount: await accountView(ctx.db, licenceId, accountId), delivery };
    },
  };
}

export type ApiAccountsService = ReturnType<typeof createApiAccountsService>;
