import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { OPERATOR_SCOPES } from '../../platform/http/actor.ts';
import { auditActorOf } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import { createOperatorToken, listOperatorTokens, revokeOperatorToken } from './service.ts';
import type { OperatorTokenRow } from './store.ts';

// Operator tokens: listed (never their secrets), created (the token shown once) and revoked. The
// bootstrap token of the environment is not among them: it ends when the environment drops it.

const tags = ['Operator: tokens'];
const scopesSchema = z
  .array(z.enum(OPERATOR_SCOPES))
  .describe("operator: every operator route (the default, and what tokens made before scopes keep); decisions:read: POST /operator/v1/authorize only; users:read: reading a licence's users only");
const tokenSchema = z.object({ id: z.string(), name: z.string(), scopes: z.array(z.string()), createdAt: field.timestamp, lastUsedAt: field.timestamp.nullable(), revokedAt: field.timestamp.nullable() });
const iso = (at: Date | null) => (at === null ? null : at.toISOString());
const present = (row: OperatorTokenRow) => ({ id: row.id, name: row.name, scopes: row.scopes, createdAt: row.createdAt.toISOString(), lastUsedAt: iso(row.lastUsedAt), revokedAt: iso(row.revokedAt) });

export function operatorTokenRoutes(ctx: Pick<AppContext, 'db' | 'now'>): FastifyPluginAsyncZod {
  return async (app) => {
    const config = { access: 'operator' as const };
    app.get('/operator-tokens', {
      config,
      schema: { tags, summary: 'Every operator token, revoked ones included (never the tokens themselves)', response: { 200: z.object({ items: z.array(tokenSchema) }) } },
      handler: async () => ({ items: (await listOperatorTokens(ctx.db)).map(present) }),
    });
    app.post('/operator-tokens', {
      config,
      schema: {
        tags,
        summary: 'Create an operator token: the answer is the only place it is ever shown',
        body: z.strictObject({ name: field.text(100), scopes: scopesSchema.min(1).max(OPERATOR_SCOPES.length).optional() }),
        response: { 201: z.object({ id: z.string(), name: z.string(), token: z.string(), scopes: z.array(z.string()) }) },
      },
      handler: async (request, reply) => reply.status(201).send(await createOperatorToken(ctx.db, request.body.name, auditActorOf(request), request.body.scopes)),
    });
    app.post('/operator-tokens/:id/revoke', {
      config,
      schema: { tags, summary: 'Revoke an operator token: refused from the next request on, by every server', params: field.idParams, response: { 200: tokenSchema } },
      handler: async (request) => present(await revokeOperatorToken(ctx, request.params.id, auditActorOf(request))),
    });
  };
}
