import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ApiAccountsService } from './service.ts';

// POST /api/v1/auth/token: OAuth2 client credentials (RFC 6749 §4.4). Its errors are the RFC's
// ({error, error_description}, §5.2), not problem documents, because OAuth2 clients expect them.

const tokenAnswer = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int() });
const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
  const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
  try {
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

export function tokenRoutes(apiAccounts: ApiAccountsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/auth/token', {
      config: { access: 'public' },
      schema: {
        tags: ['Authentication'],
        summary: 'OAuth2 client credentials: an API account trades its client id and secret for an hour-long bearer token',
        description: 'Client id `<licence>/<login>` and secret by HTTP Basic or as the form fields client_id and client_secret.',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: z.record(z.string(), z.unknown()).optional(),
        response: {
          200: tokenAnswer,
          400: oauthError,
          401: oauthError,
          429: oauthError.describe('`slow_down`, with Retry-After: too many failed client authentications from this address. A right secret is never refused so.'),
        },
      },
      handler: async (request, reply) => {
        void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
        const form = request.body ?? {};
        const fail = (status: 400 | 401 | 429, error: string, description: string, basic = false): FastifyReply => {
          if (basic) void reply.header('www-authenticate', 'Basic realm="gatehouse"');
          return reply.status(status).send({ error, error_description: description });
        };
        if (form.grant_type === undefined) return fail(400, 'invalid_request', 'grant_type is required');
        if (form.grant_type !== 'client_credentials') return fail(400, 'unsupported_grant_type', 'only client_credentials is supported');
        const basic = basicCredentials(request.headers.authorization);
        const formId = typeof form.client_id === 'string' ? form.client_id : undefined;
        const formSecret = typeof form.client_secret === 'string' ? form.client_secret : undefined;
        if (basic && (formId !== undefined || formSecret !== undefined)) return fail(400, 'invalid_request', 'send the client credentials one way only');
        const id = basic?.id ?? formId;
        const secret = basic?.secret ?? formSecret;
        if (!id || !secret || id.length > 200 || secret.length > 200) return fail(401, 'invalid_client', 'client authentication failed', basic !== null);
        const granted = await apiAccounts.grantToken(id, secret, request.ip);
        if (granted.outcome === 'throttled') {
          void reply.header('retry-after', String(granted.retryAfterSeconds));
          return fail(429, 'slow_down', `too many failed client authentications from this address: try again in ${granted.retryAfterSeconds} seconds`);
        }
        if (granted.outcome === 'refused') return fail(401, 'invalid_client', 'client authentication failed', basic !== null);
        return { access_token: granted.token, token_type: 'Bearer' as const, expires_in: granted.expiresIn };
      },
    });
  };
}
