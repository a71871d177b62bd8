import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { bearerToken, operatorActor } from '../../platform/http/authenticate.ts';
import {
  createOperatorSession,
  endOperatorSession,
  OPERATOR_COOKIE_PATH,
  OPERATOR_SESSION_COOKIE,
  operatorCsrfTokenOf,
} from '../../platform/http/operator-sessions.ts';
import { Problem } from '../../platform/http/problems.ts';
import type { SessionLifetime } from '../../platform/http/sessions.ts';

// The operator console's session: the operator's token, sent once as a Bearer, is traded for an
// HttpOnly, SameSite=Strict cookie, so the page never keeps a credential in its storage.

const tags = ['Operator: session'];
const sessionSchema = z.object({ name: z.string(), csrfToken: z.string() });

export function operatorSessionRoutes(ctx: Pick<AppContext, 'db' | 'now'>, options: { lifetime: SessionLifetime; secureCookies: boolean }): FastifyPluginAsyncZod {
  return async (app) => {
    const config = { access: 'operator' as const };
    app.post('/session', {
      config,
      schema: {
        tags,
        summary: "Trade the operator token (sent as a Bearer) for a session in an HttpOnly, SameSite=Strict cookie; answers the session's CSRF token",
        response: { 201: sessionSchema },
      },
      handler: async (request, reply) => {
        const operator = operatorActor(request);
        const token = bearerToken(request);
        if (token === null) throw new Problem('forbidden', { en: 'Send the operator token as a Bearer to open a session', fr: "Envoyez le jeton d'opérateur comme Bearer pour ouvrir une session" });
        const session = await createOperatorSession(ctx.db, { operator, sourceToken: token, now: ctx.now() }, options.lifetime);
        reply.setCookie(OPERATOR_SESSION_COOKIE, session.token, {
          path: OPERATOR_COOKIE_PATH,
          httpOnly: true,
          sameSite: 'strict',
          secure: options.secureCookies,
          expires: session.expiresAt,
        });
        return reply.status(201).send({ name: operator.name, csrfToken: session.csrfToken });
      },
    });
    app.get('/session', {
      config,
      schema: { tags, summary: "The operator session's name and CSRF token, for an operator console reloading its page", response: { 200: sessionSchema } },
      handler: async (request) => {
        const operator = operatorActor(request);
        const token = request.cookies[OPERATOR_SESSION_COOKIE];
        if (bearerToken(request) !== null || token === undefined) throw new Problem('forbidden', { en: 'Only a session cookie has a CSRF token', fr: 'Seul un cookie de session a un jeton CSRF' });
        return { name: operator.name, csrfToken: operatorCsrfTokenOf(token) };
      },
    });
    app.delete('/session', {
      config,
      schema: { tags, summary: 'End the operator session (sign out of the operator console)', response: { 204: z.null() } },
      handler: async (request, reply) => {
        const token = request.cookies[OPERATOR_SESSION_COOKIE];
        if (token !== undefined) await endOperatorSession(ctx.db, token);
        reply.clearCookie(OPERATOR_SESSION_COOKIE, { path: OPERATOR_COOKIE_PATH });
        return reply.status(204).send(null);
      },
    });
  };
}
