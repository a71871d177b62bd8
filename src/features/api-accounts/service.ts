import { randomUUID } from 'node:crypto';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { hashToken, randomToken, sameSecret } from '../../platform/crypto.ts';
import type { Executor, Transaction } from '../../platform/db/client.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { issueApiToken, revokeApiTokens } from '../../platform/http/api-tokens.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { ensure, fieldError, invalidField, notFound, Problem, type FieldError } from '../../platform/http/problems.ts';
import { enqueueMessages } from '../../platform/messaging/outbox.ts';
import { createThrottle, throttleKey, type ThrottlePolicy } from '../../platform/throttle.ts';
import { requestOutcomeMessage, secretDelivery } from './messages.ts';
import * as store from './store.ts';

// API accounts: licence admins ask, the vendor's operators decide, and the secret goes straight to
// its holder — into their Transfer Box when they have a console account, otherwise by SMS — so that
// neither the admin nor the operator ever sees it. Only its hash is kept.

export interface Holder {
  firstName: string;
  lastName: string;
  email: string;
  mobile?: string | null;
}

/** Where a secret goes into a Transfer Box, inside the caller's transaction. */
export interface TransferBoxDelivery {
  deliverInTransaction(
    tx: Transaction,
    item: { licenceId: string; recipientUserId: string; name: string; contentType: string; content: Buffer; sender: { kind: 'system' | 'operator' | 'user'; id: string | null; name: string } },
  ): Promise<{ id: string }>;
}

export type Delivery = 'transfer-box' | 'sms';

// Logins that say what they are for are easier to audit; a warning, not a rule.
const SERVICE_LOGIN = /ws|webservice/i;

// Client credentials are guessed like passwords: throttled per client id and per client address.
const CLIENT_ID_POLICY: ThrottlePolicy = { scope: 'api-token-client', threshold: 5, firstLockSeconds: 60, maxLockSeconds: 15 * 60, forgetAfterSeconds: 3600 };
const CLIENT_ADDRESS_POLICY: ThrottlePolicy = { scope: 'api-token-address', threshold: 50, firstLockSeconds: 60, maxLockSeconds: 15 * 60, forgetAfterSeconds: 3600 };

// Compared against when the client id is unknown, so that case costs the same as a wrong secret.
const UNKNOWN_CLIENT_HASH = hashToken(randomToken());

function presentHolder(row: { holderFirstName: string; holderLastName: string; holderEmail: string; holderMobile: string | null }) {
  return { firstName: row.holderFirstName, lastName: row.holderLastName, email: row.holderEmail, mobile: row.holderMobile };
}

export function presentRequest(row: store.RequestRow, licenceCode?: string) {
  return {
    id: row.id,
    ...(licenceCode === undefined ? {} : { licence: licenceCode }),
    login: row.login,
    holder: presentHolder(row),
    status: row.status,
    warnings: row.warnings,
    requestedBy: row.requestedByLogin,
    reason: row.reason,
    apiAccountId: row.apiAccountId,
    createdAt: row.createdAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
  };
}

export function presentAccount(view: NonNullable<Awaited<ReturnType<typeof store.findAccountView>>>) {
  const { account } = view;
  return {
    id: account.id,
    login: account.login,
    holder: presentHolder(account),
    status: account.status,
    configuration: view.configuration,
    entityGroup: view.entityGroup,
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}

export function createApiAccountsService(ctx: AppContext, transferBox: TransferBoxDelivery) {
  const throttle = createThrottle(ctx.db, () => ctx.now());

  const accountView = async (executor: Executor, licenceId: string, id: string) => {
    const view = await store.findAccountView(executor, licenceId, id);
    ensure(view !== null, notFound('API account'));
    return presentAccount(view);
  };

  /** Makes a new secret and sends it to the holder; answers how it went. Inside the caller's transaction. */
  async function deliverSecret(tx: Transaction, account: store.AccountRow, licenceCode: string, actor: AuditActor): Promise<{ secretHash: string; delivery: Delivery }> {
    const secret = randomToken();
    const texts = secretDelivery({ login: account.login, licenceCode, secret });
    const consoleUser = await store.findConsoleUserByEmail(tx, account.licenceId, account.holderEmail);
    if (consoleUser !== null) {
      await transferBox.deliverInTransaction(tx, {
        licenceId: account.licenceId,
        recipientUserId: consoleUser.id,
        name: texts.itemName,
        contentType: 'text/plain; charset=utf-8',
        content: Buffer.from(texts.itemText, 'utf8'),
        sender: { kind: 'system', id: null, name: `Gatehouse (${actor.name})` },
      });
      return { secretHash: hashToken(secret), delivery: 'transfer-box' };
    }
    ensure(account.holderMobile, new Problem('conflict', 'The holder has no console account in the licence and no mobile: the secret cannot be delivered', { errors: [fieldError('holder.mobile', 'required_for_sms_delivery', 'is required when the holder has no console account')] }));
    await enqueueMessages(tx, [{ licenceId: account.licenceId, channel: 'sms', to: account.holderMobile, text: texts.sms }]);
    return { secretHash: hashToken(secret), delivery: 'sms' };
  }

  const notifyRequester = async (tx: Transaction, request: store.RequestRow, outcome: Parameters<typeof requestOutcomeMessage>[1]) => {
    const message = requestOutcomeMessage(request.requestedByLanguage, outcome);
    await enqueueMessages(tx, [{ licenceId: request.licenceId, channel: 'email', to: request.requestedByEmail, ...message }]);
  };

  const pendingRequest = async (tx: Transaction, requestId: string) => {
    const request = await store.findRequestForDecision(tx, requestId);
    ensure(request !== null, notFound('API account request'));
    ensure(request.status === 'pending', new Problem('conflict', `This request was ${request.status} already`));
    const licence = await store.findLicenceName(tx, request.licenceId);
    ensure(licence !== null, notFound('licence'));
    return { request, licence };
  };

  return {
    /** A licence admin asks for an API account for a holder. */
    async request(licenceId: string, requesterId: string, input: { login: string; holder: Holder }, actor: AuditActor) {
      try {
        const created = await ctx.transaction(async (tx) => {
          const requester = await store.findRequester(tx, licenceId, requesterId);
          ensure(requester !== null, new Problem('forbidden', 'API accounts are requested by console users'));
          ensure(!(await store.apiLoginHeld(tx, licenceId, input.login)), new Problem('login_taken', `The API login "${input.login}" is taken in this licence`, { errors: [fieldError('login', 'taken', 'is taken by an API account or a pending request')] }));
          const holderHasConsoleAccount = (await store.findConsoleUserByEmail(tx, licenceId, input.holder.email)) !== null;
          const errors: FieldError[] = [];
          if (!holderHasConsoleAccount && !input.holder.mobile) {
            errors.push(fieldError('holder.mobile', 'required_for_sms_delivery', 'is required when the holder has no console account: the secret goes by SMS'));
          }
          ensure(errors.length === 0, new Problem('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }));
          const warnings = SERVICE_LOGIN.test(input.login) ? [] : ['login_without_ws'];
          const now = ctx.now();
          const row = {
            licenceId,
            id: randomUUID(),
            login: input.login,
            holderFirstName: input.holder.firstName,
            holderLastName: input.holder.lastName,
            holderEmail: input.holder.email,
            holderMobile: input.holder.mobile ?? null,
            warnings,
            status: 'pending' as const,
            requestedById: requesterId,
            requestedByLogin: requester.login,
            requestedByEmail: requester.email,
            requestedByLanguage: requester.language,
            reason: null,
            decidedAt: null,
            decidedBy: null,
            apiAccountId: null,
            createdAt: now,
          };
          await store.insertRequest(tx, row);
          await recordAudit(tx, actor, { licenceId, action: 'api_account_request.create', target: { kind: 'api_account_request', id: row.id, name: row.login }, after: { login: row.login, holder: input.holder, warnings } }, now);
          return row;
        });
        return presentRequest(created);
      } catch (error) {
        if (isUniqueViolation(error, 'api_account_requests_pending_login_key')) throw new Problem('login_taken', `The API login "${input.login}" is taken in this licence`, { errors: [fieldError('login', 'taken', 'is taken by an API account or a pending request')] });
        throw error;
      }
    },

    async listRequests(filter: { licenceId?: string; status?: store.RequestRow['status']; limit: number; cursor?: string }) {
      const after = decodeCursor(filter.cursor, 2);
      ensure(filter.cursor === undefined || after !== null, invalidField('cursor', 'invalid_format', 'is not a cursor from this list'));
      const rows = await store.listRequests(ctx.db, { ...filter, after: after as [string, string] | null });
      return pageOf(rows, filter.limit, ({ request, licenceCode }) => presentRequest(request, filter.licenceId === undefined ? licenceCode : undefined), ({ request }) => [request.createdAt.toISOString(), request.id]);
    },

    /** An operator creates the account and delivers its secret to the holder. */
    async fulfil(requestId: string, input: { configurationId: string; entityGroupId: string }, actor: AuditActor) {
      const result = await ctx.transaction(async (tx, announce) => {
        const { request, licence } = await pendingRequest(tx, requestId);
        const errors: FieldError[] = [];
        if ((await store.configurationOf(tx, request.licenceId, input.configurationId)) === null) errors.push(fieldError('configurationId', 'not_found', 'is not a rights configuration of this licence'));
        if ((await store.entityGroupOf(tx, request.licenceId, input.entityGroupId)) === null) errors.push(fieldError('entityGroupId', 'not_found', 'is not an entity group of this licence'));
        ensure(errors.length === 0, new Problem('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }));
        const now = ctx.now();
        const account: store.AccountRow = {
          licenceId: request.licenceId,
          id: randomUUID(),
          login: request.login,
          holderFirstName: request.holderFirstName,
          holderLastName: request.holderLastName,
          holderEmail: request.holderEmail,
          holderMobile: request.holderMobile,
          status: 'active',
          configurationId: input.configurationId,
          entityGroupId: input.entityGroupId,
          secretHash: '',
          requestId: request.id,
          createdAt: now,
          updatedAt: now,
        };
        const { secretHash, delivery } = await deliverSecret(tx, account, licence.code, actor);
        await store.insertAccount(tx, { ...account, secretHash });
        await store.decideRequest(tx, request, { status: 'fulfilled', reason: null, decidedAt: now, decidedBy: actor.name, apiAccountId: account.id });
        await notifyRequester(tx, request, { login: request.login, licenceName: licence.name, outcome: 'fulfilled', delivery });
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
        await store.decideRequest(tx, request, { status: 'rejected', reason, decidedAt: now, decidedBy: actor.name, apiAccountId: null });
        await notifyRequester(tx, request, { login: request.login, licenceName: licence.name, outcome: 'rejected', reason });
        await recordAudit(tx, actor, { licenceId: request.licenceId, action: 'api_account_request.reject', target: { kind: 'api_account_request', id: request.id, name: request.login }, after: { reason } }, now);
        return decided;
      });
      ctx.deliverSoon();
      return presentRequest(request);
    },

    async listAccounts(licenceId: string, query: { limit: number; cursor?: string }) {
      const after = decodeCursor(query.cursor, 2);
      ensure(query.cursor === undefined || after !== null, invalidField('cursor', 'invalid_format', 'is not a cursor from this list'));
      const rows = await store.listAccountViews(ctx.db, licenceId, after as [string, string] | null, query.limit);
      return pageOf(rows, query.limit, presentAccount, (row) => [row.account.login.toLowerCase(), row.account.id]);
    },

    /** Deactivation revokes every token of the account at once. */
    async setStatus(licenceId: string, accountId: string, status: 'active' | 'deactivated', actor: AuditActor) {
      await ctx.transaction(async (tx, announce) => {
        const account = await store.findAccount(tx, licenceId, accountId, { lock: true });
        ensure(account !== null, notFound('API account'));
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
      const delivery = await ctx.transaction(async (tx, announce) => {
        const account = await store.findAccount(tx, licenceId, accountId, { lock: true });
        ensure(account !== null, notFound('API account'));
        const licence = await store.findLicenceName(tx, licenceId);
        ensure(licence !== null, notFound('licence'));
        const rotated = await deliverSecret(tx, account, licence.code, actor);
        const now = ctx.now();
        await store.updateAccount(tx, licenceId, accountId, { secretHash: rotated.secretHash, updatedAt: now });
        await revokeApiTokens(tx, licenceId, accountId);
        await recordAudit(tx, actor, { licenceId, action: 'api_account.rotate_secret', target: { kind: 'api_account', id: accountId, name: account.login }, after: { delivery: rotated.delivery } }, now);
        await announce({ kind: 'user', licenceId, userId: accountId });
        return rotated.delivery;
      });
      ctx.deliverSoon();
      return { apiAccount: await accountView(ctx.db, licenceId, accountId), delivery };
    },

    /**
     * OAuth2 client credentials (RFC 6749 §4.4). Unlike passwords, a secret is 256 random bits, out of
     * reach of guessing whatever the pace: failures are counted after the check, so a client asking
     * for many tokens at once is never locked out by its own parallel requests, while hammering with
     * wrong secrets is still refused for a while (failures are forgotten an hour after the last).
     */
    async grantToken(clientId: string, clientSecret: string, ip: string | null): Promise<{ token: string; expiresIn: number } | null> {
      const keys = [throttleKey(CLIENT_ID_POLICY, clientId.toLowerCase()), throttleKey(CLIENT_ADDRESS_POLICY, ip ?? 'unknown')];
      await throttle.ensureOpen(keys);
      const slash = clientId.indexOf('/');
      const account = slash > 0 ? await store.findAccountByClientId(ctx.db, clientId.slice(0, slash), clientId.slice(slash + 1)) : null;
      const matches = sameSecret(account?.secretHash ?? UNKNOWN_CLIENT_HASH, hashToken(clientSecret));
      if (account === null || !matches || account.status !== 'active') {
        await throttle.fail(keys);
        return null;
      }
      return issueApiToken(ctx.db, account, ctx.now());
    },
  };
}

export type ApiAccountsService = ReturnType<typeof createApiAccountsService>;
