import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { hashToken, sameSecret } from '../../platform/crypto.ts';
import { Problem } from '../../platform/http/problems.ts';
import { createThrottle, throttleKey, type ThrottlePolicy } from '../../platform/throttle.ts';
import { OIDC_PREFIX } from './provider.ts';
import { preferredLanguage } from '../../platform/http/language.ts';
import { PAGES_CSS, PAGES_STYLESHEET, refusalPage } from './pages.ts';
import type { OidcService } from './service.ts';
import { apiAccountSecretExpired } from '../password-renewal/service.ts';

// The OpenID Provider mounted in the HTTP server. Fastify routes hand the raw request to
// oidc-provider untouched but for two things the library leaves to its host: client secrets are
// checked against their stored hashes (see clients.ts), with failed attempts throttled per address;
// and the sign-in step (the interaction) is Gatehouse's console sign-in.

/**
 * Failed client authentications are counted per client address only (the same policy and counts as
 * before the provider): counting them per client id would let anyone who guessed a client id
 * (`<licence>/<login>`, both guessable) lock its real holder out.
 */
const CLIENT_ADDRESS_POLICY: ThrottlePolicy = { scope: 'api-token-address', threshold: 50, firstLockSeconds: 60, maxLockSeconds: 15 * 60, forgetAfterSeconds: 3600 };
/** The provider's own limit on a request body. */
const BODY_LIMIT = 56 * 1024;
const CLIENT_AUTHENTICATED = new Set([`${OIDC_PREFIX}/token`, `${OIDC_PREFIX}/token/introspection`, `${OIDC_PREFIX}/token/revocation`]);
const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials']);
/** Gatehouse's own sign-in pages, where a person goes from an application and comes back from. */
const SIGN_IN_PAGE = '/sign-in';

type OAuthFailure = { status: 400 | 401 | 429; error: string; description: string; basic?: boolean; retryAfter?: number };

function basicCredentials(header: string | undefined): { id: string; secret: string } | null | 'malformed' {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
  const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
  try {
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    return 'malformed';
  }
}

/**
 * The request as the provider must read it: the same request, its body (read here, and perhaps
 * rewritten) offered again as a stream, since the library reads bodies itself.
 */
function replayed(original: IncomingMessage, body: string): IncomingMessage {
  const bytes = Buffer.from(body);
  const stream = Readable.from([bytes]) as unknown as IncomingMessage;
  return Object.assign(stream, {
    method: original.method,
    url: original.url,
    headers: { ...original.headers, 'content-length': String(bytes.length) },
    rawHeaders: original.rawHeaders,
    httpVersion: original.httpVersion,
    httpVersionMajor: original.httpVersionMajor,
    httpVersionMinor: original.httpVersionMinor,
    socket: original.socket,
    connection: original.socket,
  });
}

function sendOAuthError(reply: FastifyReply, failure: OAuthFailure): FastifyReply {
  void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (failure.basic) void reply.header('www-authenticate', 'Basic realm="gatehouse"');
  if (failure.retryAfter !== undefined) void reply.header('retry-after', String(failure.retryAfter));
  return reply.status(failure.status).type('application/json').send({ error: failure.error, error_description: failure.description });
}

export function oidcRoutes(ctx: AppContext, oidc: OidcService): (app: FastifyInstance) => Promise<void> {
  const throttle = createThrottle(ctx.db, () => ctx.now());

  /**
   * A client's credentials, from HTTP Basic or the form, checked against the stored hash; when right,
   * the form is rewritten to carry the client id and the hash (what the provider compares), with the
   * Basic header removed. Public clients (no secret) pass as they are.
   */
  const authenticateClient = async (request: FastifyRequest, form: URLSearchParams): Promise<OAuthFailure | null> => {
    const basic = basicCredentials(request.headers.authorization);
    const formId = form.get('client_id');
    const formSecret = form.get('client_secret');
    if (basic === 'malformed') return { status: 401, error: 'invalid_client', description: 'client authentication failed', basic: true };
    if (basic !== null && (formSecret !== null || (formId !== null && formId !== basic.id))) {
      return { status: 400, error: 'invalid_request', description: 'send the client credentials one way only' };
    }
    const id = basic?.id ?? formId;
    const secret = basic?.secret ?? formSecret;
    if (secret === null) return null;
    const storedHash = id === null || id.length > 300 || secret.length > 300 ? null : await oidc.clients.secretHashOf(id);
    if (storedHash === null || !sameSecret(hashToken(secret), storedHash)) {
      try {
        // Counted unless the address is locked already: then it is refused without a count. A right
        // secret is never refused so.
        await throttle.attempt([throttleKey(CLIENT_ADDRESS_POLICY, request.ip)]);
      } catch (error) {
        if (error instanceof Problem && error.code === 'too_many_attempts') {
          const retryAfter = Number(error.extensions.retryAfterSeconds);
          return { status: 429, error: 'slow_down', description: `too many failed client authentications from this address: try again in ${retryAfter} seconds`, retryAfter };
        }
        throw error;
      }
      return { status: 401, error: 'invalid_client', description: 'client authentication failed', basic: basic !== null };
    }
    // The right secret of an API account, past its licence's maximum age: refused as OAuth says, but
    // not counted as a failure of the address (features/password-renewal).
    const client = await oidc.clients.find(id as string);
    if (client?.kind === 'api-account' && (await apiAccountSecretExpired(ctx.db, client.licenceId, client.apiAccountId, ctx.now()))) {
      return { status: 401, error: 'invalid_client', description: 'the client secret has expired: ask for a new one', basic: basic !== null };
    }
    form.set('client_id', id as string);
    form.set('client_secret', storedHash);
    delete request.raw.headers.authorization;
    return null;
  };

  /** Hands the request to oidc-provider, with the headers already decided here (security, CORS). */
  const toProvider = async (request: FastifyRequest, reply: FastifyReply, body?: string) => {
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
    reply.hijack();
    await oidc.provider.callback()(body === undefined ? request.raw : replayed(request.raw, body), reply.raw);
  };

  const protocolEndpoint = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.raw.url?.split('?')[0] ?? '';
    const raw = typeof request.body === 'string' ? request.body : undefined;
    if (request.method === 'POST' && CLIENT_AUTHENTICATED.has(path) && request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(raw ?? '');
      // A grant type Gatehouse has no use for is refused as such before the client is asked who it
      // is (RFC 6749 §5.2), as the token endpoint answered before it was the provider's.
      const grantType = form.get('grant_type');
      if (path === `${OIDC_PREFIX}/token` && grantType !== null && !GRANT_TYPES.has(grantType)) {
        return sendOAuthError(reply, { status: 400, error: 'unsupported_grant_type', description: `grant_type ${grantType.slice(0, 50)} is not supported` });
      }
      const failure = await authenticateClient(request, form);
      if (failure !== null) return sendOAuthError(reply, failure);
      return toProvider(request, reply, form.toString());
    }
    return toProvider(request, reply, raw);
  };

  return async (app) => {
    // The provider reads its bodies itself (forms and JSON, 56 KiB at most): the server's JSON-only
    // parsers do not apply here. The body is kept as text for the client authentication above.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
    const config = { access: 'public' as const, protocolEndpoint: true };
    const hidden = { hide: true };

    app.get('/.well-known/openid-configuration', { config, schema: hidden }, protocolEndpoint);
    app.get(PAGES_STYLESHEET, { config, schema: hidden }, async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PAGES_CSS));

    // The sign-in step of an authorization: the console's session is the single sign-on session.
    app.get(`${OIDC_PREFIX}/interaction/:uid`, { config, schema: hidden }, async (request, reply) => {
      const language = preferredLanguage(request.headers['accept-language']);
      const refuse = (status: number, reason: string, code?: string) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(refusalPage(language, reason, code));
      let details: Awaited<ReturnType<OidcService['provider']['interactionDetails']>>;
      try {
        details = await oidc.provider.interactionDetails(request.raw, reply.raw);
      } catch {
        return refuse(400, language === 'fr' ? 'Cette demande de connexion a expiré ou a déjà servi.' : 'This sign-in request has expired or was already used.', 'invalid_request');
      }
      const { uid, prompt, params } = details;
      const here = `${OIDC_PREFIX}/interaction/${uid}`;
      const session = await oidc.consoleSession(request.cookies);
      // prompt=login or max_age: only a sign-in made after the application asked will do.
      const freshNeeded = prompt.name === 'login' && (prompt.reasons.includes('login_prompt') || prompt.reasons.includes('max_age'));
      const since = (request.query as Record<string, string | undefined>).since ?? null;
      const fresh = session !== null && (!freshNeeded || oidc.signedInSince(since, uid, session.id));
      if (session === null || session.supportVisit !== null || !fresh) {
        const back = freshNeeded ? `${here}?since=${encodeURIComponent(oidc.freshSignInMark(uid, session?.id ?? null))}` : here;
        const query = new URLSearchParams({ continue: back });
        if (freshNeeded) query.set('fresh', '1');
        return reply.redirect(`${SIGN_IN_PAGE}?${query.toString()}`, 303);
      }
      const sessionStartedAt = await oidc.sessionStartedAt(session);
      if (session.secondFactorEnrolmentRequired === true) {
        return refuse(403, language === 'fr' ? "Votre licence demande d'abord d'enregistrer une clé d'accès ou une application d'authentification dans la console." : 'Your licence asks you to enrol a passkey or an authenticator app in the console first.', 'second_factor_enrolment_required');
      }
      if (session.passwordChangeRequired === true) {
        return refuse(403, language === 'fr' ? "Choisissez d'abord un nouveau mot de passe dans la console, puis revenez à l'application." : 'Choose a new password in the console first, then come back to the application.', 'password_change_required');
      }
      const client = await oidc.clients.find(String(params.client_id));
      const person = await oidc.person(session.userId);
      if (client?.kind !== 'application' || person === null) return refuse(400, language === 'fr' ? 'Application inconnue.' : 'Unknown application.', 'invalid_client');
      const pinned = client.application.application;
      // The application stands for a catalog application (or a whole domain of them): the licence
      // must subscribe to it (or to one application of that domain).
      const subscribed = (key: string) => pinned === null || key === pinned || key.startsWith(`${pinned}.`) || pinned.startsWith(`${key}.`);
      if (!person.licence.applications.some(subscribed) && pinned !== null) {
        return refuse(
          403,
          language === 'fr'
            ? `Votre licence ${person.licence.name} ne comprend pas ${client.application.name} : vous ne pouvez pas vous y connecter.`
            : `Your licence ${person.licence.name} does not include ${client.application.name}: you cannot sign in to it.`,
          'access_denied',
        );
      }
      reply.hijack();
      await oidc.provider.interactionFinished(
        request.raw,
        reply.raw,
        { login: { accountId: session.userId, ts: Math.floor(sessionStartedAt / 1000), remember: true }, consent: {} },
        { mergeWithLastSubmission: false },
      );
    });

    app.route({ method: ['GET', 'POST', 'OPTIONS'], url: `${OIDC_PREFIX}/*`, config, schema: hidden, handler: protocolEndpoint });

    // API accounts' client credentials at their former address: the same form, the same answers,
    // from the provider's token endpoint (their access tokens are now JWTs too).
    const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });
    app.post('/api/v1/auth/token', {
      config,
      schema: {
        tags: ['Authentication'],
        summary: 'OAuth2 client credentials: an API account trades its client id and secret for an hour-long bearer token',
        description:
          'Client id `<licence>/<login>` and secret by HTTP Basic or as the form fields client_id and client_secret, with `grant_type=client_credentials`. ' +
          `The access token is a JWT (RFC 9068) for Gatehouse's API. The same as the OpenID Provider's token endpoint, \`POST ${OIDC_PREFIX}/token\`.`,
        consumes: ['application/x-www-form-urlencoded'],
        response: {
          200: z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), scope: z.string().optional() }),
          400: oauthError,
          401: oauthError,
          429: oauthError.describe('`slow_down`, with Retry-After: too many failed client authentications from this address. A right secret is never refused so.'),
        },
      },
      handler: async (request, reply) => {
        request.raw.url = `${OIDC_PREFIX}/token`;
        return protocolEndpoint(request, reply);
      },
    });
  };
}
