import { createHmac, createPublicKey, timingSafeEqual } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { loadOidcLibrary } from './library.ts';
import type { AppContext } from '../../platform/context.ts';
import { apiAccounts, oidcPayloads, users } from '../../platform/db/schema.ts';
import type { Sealer } from '../../platform/encryption.ts';
import type { MessageTransport } from '../../platform/messaging/transports.ts';
import type { AccessTokenSubject } from '../../platform/http/authenticate.ts';
import { findActiveSession, SESSION_COOKIE, type ActiveSession } from '../../platform/http/sessions.ts';
import { sessionStartedAt } from '../auth/store.ts';
import { findPerson } from './accounts.ts';
import { ClientDirectory } from './clients.ts';
import { ensureSigningKeys, loadSigningKeys, rotateSigningKeys, type SigningKey } from './keys.ts';
import { createProvider, resourceIndicators } from './provider.ts';
import { endSingleSignOnSession, type BackchannelNotice } from '../../platform/http/single-sign-on.ts';

// The OpenID Provider as the rest of Gatehouse sees it: the provider (rebuilt when the signing keys
// rotate), its clients, the verification of its JWT access tokens by Gatehouse's own API, and the
// link between a console session and the single sign-on session of the same browser.

const ACCESS_TOKEN_SECONDS = 5 * 60;
const API_ACCOUNT_TOKEN_SECONDS = 3600;


/** Koa's signed cookies (keygrip): the signature is an HMAC-SHA1 of `name=value` under the first key. */
function signedCookieValue(cookies: Record<string, string | undefined>, name: string, key: string): string | null {
  const value = cookies[name];
  const signature = cookies[`${name}.sig`];
  if (!value || !signature) return null;
  const expected = createHmac('sha1', key).update(`${name}=${value}`).digest('base64url');
  const presented = Buffer.from(signature);
  return presented.length === expected.length && timingSafeEqual(presented, Buffer.from(expected)) ? value : null;
}

export interface OidcServiceOptions {
  sealer: Sealer;
  secretKey: Buffer;
  /** Ends a console session (RP-initiated logout ends the browser's console session too). */
  endConsoleSession: (sessionToken: string) => Promise<void>;
}

export async function createOidcService(ctx: AppContext, { sealer, secretKey, endConsoleSession }: OidcServiceOptions) {
  const library = await loadOidcLibrary(ctx.logger);
  const clients = new ClientDirectory(ctx.db);
  const cookieSecret = createHmac('sha256', secretKey).update('gatehouse-oidc').digest();
  const cookieKey = createHmac('sha256', cookieSecret).update('gatehouse-oidc-cookies').digest('base64url');
  const resources = resourceIndicators(ctx.config.publicUrl);
  const lifetime = { idleMinutes: ctx.config.sessionIdleMinutes, maxHours: ctx.config.sessionMaxHours };

  /** Builds started, and the latest one applied: a build overtaken by a later one is not applied. */
  let buildsStarted = 0;
  let buildApplied = 0;
  let provider: Provider;
  let verificationKeys: ReturnType<typeof createLocalJWKSet>;

  /** The console session of the browser making a request, if it may sign in to applications. */
  const consoleSession = async (cookies: Record<string, string | undefined>): Promise<ActiveSession | null> => {
    const token = cookies[SESSION_COOKIE];
    if (!token) return null;
    return findActiveSession(ctx.db, token, lifetime, ctx.now());
  };

  const build = async () => {
    const started = ++buildsStarted;
    await ensureSigningKeys(ctx.db, sealer, ctx.now());
    const keys: SigningKey[] = await loadSigningKeys(ctx.db, sealer, ctx.now());
    // Two rotations heard close together: the keys read for the first must not replace the second's.
    if (started < buildApplied) return;
    buildApplied = started;
    const next = createProvider({ library, ctx, clients, keys, cookieSecret, accessTokenSeconds: ACCESS_TOKEN_SECONDS, apiAccountTokenSeconds: API_ACCOUNT_TOKEN_SECONDS, loginPolicy, endConsoleSession });
    const publicKeys: JSONWebKeySet = {
      keys: keys.map((key) => ({ ...createPublicKey({ key: key.jwk, format: 'jwk' }).export({ format: 'jwk' }), kid: key.kid, alg: key.alg, use: 'sig' })),
    };
    verificationKeys = createLocalJWKSet(publicKeys);
    provider = next;
  };

  /**
   * The console session is the single sign-on session: a browser whose console session ended, or
   * now belongs to someone else, signs in again before an application gets anything.
   */
  const loginPolicy = () => {
    const { interactionPolicy } = library;
    const policy = interactionPolicy.base();
    policy.get('login')?.checks.add(
      new interactionPolicy.Check('console_session', 'the console session ended or changed', 'login_required', async (kctx: KoaContextWithOIDC) => {
        const accountId = kctx.oidc.session?.accountId;
        if (accountId === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const session = await consoleSession({ [SESSION_COOKIE]: kctx.cookies.get(SESSION_COOKIE) });
        return session === null || session.userId !== accountId ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
      }),
    );
    return policy;
  };

  await build();

  /** The grant still stands and its person is active: what Gatehouse's API asks of a user's JWT. */
  const personStillSignedIn = async (licenceId: string, userId: string, grantId: string) => {
    const [grant] = await ctx.db
      .select({ id: oidcPayloads.id })
      .from(oidcPayloads)
      .where(and(eq(oidcPayloads.model, 'Grant'), eq(oidcPayloads.id, grantId), eq(oidcPayloads.accountId, userId)))
      .limit(1);
    if (grant === undefined) return null;
    const [user] = await ctx.db
      .select({ login: users.login, language: users.language, status: users.status })
      .from(users)
      .where(and(eq(users.licenceId, licenceId), eq(users.id, userId)))
      .limit(1);
    return user?.status === 'active' ? user : null;
  };

  const mark = (uid: string, sessionId: string) => createHmac('sha256', cookieSecret).update(`fresh-sign-in:${uid}:${sessionId}`).digest('base64url').slice(0, 22);

  return {
    clients,
    /**
     * prompt=login and max_age want a sign-in made after the application asked. The person is sent to
     * sign in with this mark of the console session they had (signed, so it cannot be edited away);
     * they come back fresh when their console session is another one.
     */
    freshSignInMark: (uid: string, sessionId: string | null) => `${sessionId ?? 'none'}.${mark(uid, sessionId ?? 'none')}`,
    signedInSince(markText: string | null, uid: string, sessionId: string): boolean {
      const [before, signature] = (markText ?? '').split('.');
      if (!before || !signature) return false;
      const expected = Buffer.from(mark(uid, before));
      const presented = Buffer.from(signature);
      return presented.length === expected.length && timingSafeEqual(presented, expected) && before !== sessionId;
    },
    get provider() {
      return provider;
    },
    consoleSession,
    /** When a console session was opened: its sign-in, what `max_age` and `prompt=login` weigh. */
    sessionStartedAt: async (session: ActiveSession) => (await sessionStartedAt(ctx.db, session.licenceId, session.id))?.getTime() ?? 0,
    person: (userId: string) => findPerson(ctx.db, userId),

    /** After `gatehouse signing-key rotate` (this process's or another's): sign with the new keys. */
    async reloadKeys() {
      await build();
    },

    /** `gatehouse signing-key rotate`: every process hears of it and signs with the new keys. */
    async rotateKeys() {
      const rotated = await ctx.transaction(async (tx, announce) => {
        const result = await rotateSigningKeys(tx, sealer, ctx.now());
        await announce({ kind: 'signing-keys' });
        return result;
      });
      // This process signs with the new keys from its next token (the others reload as they hear it).
      await build();
      return rotated;
    },

    /**
     * A JWT access token for one of Gatehouse's APIs (`audience`: 'api' or 'operator'), or null. The
     * signature, issuer, audience and expiry are checked here; whether its grant, person or account
     * still stands is asked of the database (the caller caches the answer until a change says).
     */
    async verifyAccessToken(token: string, audience: 'api' | 'operator'): Promise<AccessTokenSubject | null> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, verificationKeys, { issuer: ctx.config.publicUrl, audience: resources[audience], typ: 'at+jwt' }));
      } catch {
        return null;
      }
      const clientId = typeof payload.client_id === 'string' ? payload.client_id : null;
      const expiresAt = (payload.exp ?? 0) * 1000;
      if (clientId === null || typeof payload.sub !== 'string') return null;
      if (audience === 'operator') {
        const record = await clients.find(clientId);
        if (record?.kind !== 'application' || record.application.kind !== 'service') return null;
        const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter((scope) => record.application.scopes.includes(scope)) : [];
        return { kind: 'service', clientId, name: record.application.name, scopes, expiresAt };
      }
      const licenceId = typeof payload.licence_id === 'string' ? payload.licence_id : null;
      if (licenceId === null) return null;
      if (typeof payload.api_account_id === 'string') {
        const [account] = await ctx.db
          .select({ login: apiAccounts.login, status: apiAccounts.status })
          .from(apiAccounts)
          .where(and(eq(apiAccounts.licenceId, licenceId), eq(apiAccounts.id, payload.api_account_id)))
          .limit(1);
        if (account?.status !== 'active') return null;
        return { kind: 'api-account', licenceId, apiAccountId: payload.api_account_id, login: account.login, clientId, expiresAt };
      }
      if (typeof payload.gid !== 'string' || payload.sub === clientId) return null;
      const person = await personStillSignedIn(licenceId, payload.sub, payload.gid);
      if (person === null) return null;
      return { kind: 'person', licenceId, userId: payload.sub, login: person.login, language: person.language, grantId: payload.gid, clientId, expiresAt };
    },

    /** The browser's single sign-on session ends with its console session (console sign-out). */
    async endBrowserSession(cookies: Record<string, string | undefined>): Promise<void> {
      const sessionId = signedCookieValue(cookies, '_session', cookieKey);
      if (sessionId !== null) await ctx.transaction((tx) => endSingleSignOnSession(tx, sessionId));
    },

    /** The outbox's sender of back-channel logout notices: the provider signs and posts them. */
    backchannelTransport: {
      async send(message) {
        const notice = JSON.parse(message.text) as BackchannelNotice;
        const client = await provider.Client.find(notice.clientId);
        // An application deleted since, or no longer asking for notices: nothing to tell.
        if (client?.backchannelLogoutUri === undefined) return;
        // The library's own sender (typed loosely): it signs the logout token and posts it.
        await (client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> }).backchannelLogout(notice.sub, notice.sid);
      },
    } satisfies MessageTransport,
  };
}

export type OidcService = Awaited<ReturnType<typeof createOidcService>>;
