import { createHmac } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { Configuration, interactionPolicy, KoaContextWithOIDC } from 'oidc-provider';
import type { OidcLibrary } from './library.ts';
import type { AppContext } from '../../platform/context.ts';
import { SESSION_COOKIE } from '../../platform/http/sessions.ts';
import { databaseAdapter } from './adapter.ts';
import { claimsOf, findPerson, SCOPE_CLAIMS } from './accounts.ts';
import { OIDC_SCOPES, SERVICE_SCOPES, type ClientDirectory } from './clients.ts';
import type { SigningKey } from './keys.ts';
import { providerSigningKeys } from './signing.ts';
import { errorPage, logoutConfirmPage, loggedOutPage } from './pages.ts';

// Gatehouse as the OpenID Provider of the platform's applications, on oidc-provider (OpenID
// certified): this file only configures it. The protocol is the library's; Gatehouse supplies its
// storage (adapter.ts), its clients (clients.ts), who the people are (accounts.ts), the sign-in (the
// console's, through the interaction route of routes.ts) and its pages.

export const OIDC_PREFIX = '/oidc';

/** Resource servers: Gatehouse's own APIs, the audiences of its JWT access tokens (RFC 8707, RFC 9068). */
export function resourceIndicators(publicUrl: string) {
  return { api: `${publicUrl}/api/v1`, operator: `${publicUrl}/operator/v1` };
}

export interface ProviderOptions {
  /** The library itself (loaded once, see library.ts). */
  library: OidcLibrary;
  ctx: AppContext;
  clients: ClientDirectory;
  keys: readonly SigningKey[];
  /** Secret for the provider's cookies, derived from GATEHOUSE_SECRET_KEY: every process signs them alike. */
  cookieSecret: Buffer;
  /** Lifetime of an access token for an application acting for a person or a service. */
  accessTokenSeconds: number;
  /** Lifetime of an API account's access token (it was an hour before they became JWTs; kept). */
  apiAccountTokenSeconds: number;
  /** Ends the console session of a browser signed out of the provider (RP-initiated logout). */
  endConsoleSession: (sessionToken: string) => Promise<void>;
  /** The sign-in prompts, with Gatehouse's own check that the console session still stands. */
  loginPolicy: () => interactionPolicy.DefaultPolicy;
}

/** The licence a token's subject belongs to, kept on the account so token claims can say it. */
type GatehouseAccount = { accountId: string; licenceId: string };

export function createProvider(options: ProviderOptions): Provider {
  const { ctx, clients } = options;
  const publicUrl = ctx.config.publicUrl;
  const resources = resourceIndicators(publicUrl);
  const sessionSeconds = ctx.config.sessionMaxHours * 3600;
  const cookieKeys = [createHmac('sha256', options.cookieSecret).update('gatehouse-oidc-cookies').digest('base64url')];
  const Adapter = databaseAdapter(ctx.db, {
    findClient: async (clientId) => (await clients.find(clientId))?.metadata,
    now: () => ctx.now(),
    currentRequest: () => options.library.default.ctx,
    invalidGrant: (description) => new options.library.errors.InvalidGrant(description),
  });

  const configuration: Configuration = {
    adapter: Adapter,
    jwks: { keys: providerSigningKeys(options.library, options.keys) },
    cookies: { keys: cookieKeys, long: { signed: true, httpOnly: true, sameSite: 'lax' }, short: { signed: true, httpOnly: true, sameSite: 'lax' } },
    routes: {
      authorization: `${OIDC_PREFIX}/auth`,
      token: `${OIDC_PREFIX}/token`,
      userinfo: `${OIDC_PREFIX}/userinfo`,
      jwks: `${OIDC_PREFIX}/jwks`,
      introspection: `${OIDC_PREFIX}/token/introspection`,
      revocation: `${OIDC_PREFIX}/token/revocation`,
      end_session: `${OIDC_PREFIX}/session/end`,
      code_verification: `${OIDC_PREFIX}/device`,
      device_authorization: `${OIDC_PREFIX}/device/auth`,
      pushed_authorization_request: `${OIDC_PREFIX}/request`,
      registration: `${OIDC_PREFIX}/reg`,
      backchannel_authentication: `${OIDC_PREFIX}/backchannel`,
    },
    scopes: [...OIDC_SCOPES, ...SERVICE_SCOPES],
    claims: SCOPE_CLAIMS,
    // Applications read the claims from the ID token too, not only from userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    clientAuthMethods: ['client_secret_post', 'none'],
    clientDefaults: { id_token_signed_response_alg: 'RS256', token_endpoint_auth_method: 'client_secret_post', grant_types: ['authorization_code'], response_types: ['code'] },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'], userinfoSigningAlgValues: ['RS256', 'ES256'], introspectionSigningAlgValues: ['RS256', 'ES256'] },
    rotateRefreshToken: true,
    // First-party applications: every one of them may have a refresh token, bound to the single
    // sign-on session unless offline access was asked for.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: options.accessTokenSeconds,
      AuthorizationCode: 60,
      ClientCredentials: (_ctx, token) => (token.clientId?.includes('/') ? options.apiAccountTokenSeconds : options.accessTokenSeconds),
      IdToken: 3600,
      Interaction: 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
      Session: sessionSeconds,
    },
    features: {
      devInteractions: { enabled: false },
      // Keys that sign in the request's thread (signing.ts); the acknowledgement names the version of
      // this experimental feature: a library whose feature changed refuses to start until it is reviewed.
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      introspection: {
        enabled: true,
        // An application learns about its own tokens only.
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      clientCredentials: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: logoutConfirmPage, postLogoutSuccessSource: loggedOutPage },
      userinfo: { enabled: true },
      registration: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // Client credentials name no resource: a service gets the operator API, an API account the
        // licence API. A person's sign-in names one to get a JWT for Gatehouse's API; without it the
        // access token is the one userinfo takes (OpenID Connect: userinfo refuses other audiences).
        defaultResource: (kctx, client, oneOf) => {
          if (oneOf) return oneOf;
          if (kctx.oidc.params?.grant_type === 'client_credentials') return client.clientId.includes('/') ? resources.api : resources.operator;
          return undefined;
        },
        useGrantedResource: () => true,
        getResourceServerInfo: async (_kctx, indicator, client) => {
          const apiAccount = client.clientId.includes('/');
          const record = apiAccount ? null : await clients.find(client.clientId);
          const service = record?.kind === 'application' && record.application.kind === 'service';
          const jwt = { accessTokenFormat: 'jwt' as const, jwt: { sign: { alg: 'ES256' as const } } };
          if (indicator === resources.operator && service) {
            return { ...jwt, audience: resources.operator, scope: record.application.scopes.join(' '), accessTokenTTL: options.accessTokenSeconds };
          }
          if (indicator === resources.api && !service) {
            return { ...jwt, audience: resources.api, scope: 'api', accessTokenTTL: apiAccount ? options.apiAccountTokenSeconds : options.accessTokenSeconds };
          }
          throw new options.library.errors.InvalidTarget(`${indicator} is not a resource this client may have tokens for`);
        },
      },
    },
    async findAccount(_kctx, sub) {
      // A code exchange read the person with the code (adapter.ts).
      const person = Adapter.prefetchedPerson(sub) ?? (await findPerson(ctx.db, sub));
      if (person === null || !person.active) return undefined;
      return { accountId: sub, licenceId: person.licenceId, claims: () => ({ ...claimsOf(person), sub }) };
    },
    // Tokens carry the licence of their subject (what routes them to its data) and their grant (what
    // Gatehouse's API checks is still standing, so a revoked grant's tokens stop at once there).
    async extraTokenClaims(kctx, token) {
      if (token.kind === 'ClientCredentials') {
        const record = token.clientId === undefined ? null : await clients.find(token.clientId);
        return record?.kind === 'api-account' ? { licence_id: record.licenceId, api_account_id: record.apiAccountId } : undefined;
      }
      const account = kctx.oidc.account as (GatehouseAccount & object) | undefined;
      const licenceId = account?.licenceId ?? (token.accountId === undefined ? undefined : (await findPerson(ctx.db, token.accountId))?.licenceId);
      return { licence_id: licenceId, gid: token.grantId };
    },
    interactions: { url: (_kctx, interaction) => `${OIDC_PREFIX}/interaction/${interaction.uid}`, policy: options.loginPolicy() },
    // Every application is the platform's own: no consent screen. The grant is made (or topped up)
    // with what the application asks for, within what its registration allows.
    async loadExistingGrant(kctx: KoaContextWithOIDC) {
      const { client, session, provider } = kctx.oidc;
      if (client === undefined || session?.accountId === undefined) return undefined;
      const grantId = kctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const grant = (grantId ? await provider.Grant.find(grantId) : undefined) ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      const requested = kctx.oidc.requestParamScopes;
      const allowed = new Set((client.scope ?? '').split(' '));
      grant.addOIDCScope([...requested].filter((scope) => allowed.has(scope)).join(' '));
      const claims = kctx.oidc.requestParamClaims;
      if (claims !== undefined && claims.size > 0) grant.addOIDCClaims([...claims]);
      for (const indicator of Object.keys(kctx.oidc.resourceServers ?? {})) grant.addResourceScope(indicator, 'api');
      await grant.save();
      return grant;
    },
    clientBasedCORS: (_kctx, origin, client) => client.redirectUris?.some((uri) => URL.canParse(uri) && new URL(uri).origin === origin) ?? false,
    renderError: errorPage,
    // Back-channel logout posts to the URIs operators registered. The library refuses special-use
    // addresses (SSRF); an application on this machine's loopback, in development, is let through.
    fetch: (url, init) => {
      const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname);
      return globalThis.fetch(url, loopback ? { ...init, dispatcher: undefined } as RequestInit : init);
    },
  };

  const provider = new options.library.default(publicUrl, configuration);
  // Behind the proxies GATEHOUSE_TRUST_PROXY names, the provider believes their X-Forwarded-Proto.
  provider.proxy = ctx.config.trustProxy !== false;
  // A code this request claimed but did not redeem (a wrong verifier, say) can be redeemed again.
  provider.use(async (kctx, next) => {
    try {
      await next();
    } finally {
      await Adapter.releaseUnconfirmedClaim(kctx).catch((error: unknown) => ctx.logger.error({ err: error }, 'could not release an authorization code'));
    }
  });
  // Signing out of an application (RP-initiated logout, confirmed) signs out of the console too: the
  // console session is the single sign-on session.
  provider.use(async (kctx, next) => {
    await next();
    if (kctx.oidc?.route !== 'end_session_confirm' || !kctx.oidc.params?.logout || kctx.status >= 400) return;
    const token = kctx.cookies.get(SESSION_COOKIE, { signed: false });
    if (token) await options.endConsoleSession(token);
    kctx.cookies.set(SESSION_COOKIE, null, { signed: false, path: '/', httpOnly: true, sameSite: 'lax' });
  });
  provider.on('server_error', (_kctx, error) => ctx.logger.error({ err: error }, 'OpenID Provider error'));
  provider.on('backchannel.error', (_kctx, error, client) => ctx.logger.warn({ err: error, clientId: client.clientId }, 'back-channel logout failed'));
  return provider;
}
