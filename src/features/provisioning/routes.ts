import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import type { ProvisioningService, TokenCaller } from './service.ts';

// Provisioning tokens of the licence, for its identity provider's SCIM client: /api/v1/provisioning-tokens.
// People in the console manage them (a token records who made it), with the right to create users.

const tags = ['Provisioning tokens'];
const config = { access: 'console' as const, requires: 'licence-configuration.users.create' };

const tokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  createdAt: field.timestamp,
  createdBy: z.object({ id: z.uuid(), login: z.string() }).describe('The admin whose rights the token acts within'),
  lastUsedAt: field.timestamp.nullable().describe('To the minute'),
  revokedAt: field.timestamp.nullable(),
  configuration: z.object({ id: z.uuid(), key: z.string(), name: z.string() }).describe('Given to users provisioned without the Gatehouse extension'),
  entityGroup: z.object({ id: z.uuid(), name: z.string() }).describe('Given to users provisioned without the Gatehouse extension'),
});

export function provisioningTokenRoutes(provisioning: ProvisioningService): FastifyPluginAsyncZod {
  return async (app) => {
    const caller = (request: Parameters<typeof userActor>[0]): TokenCaller => {
      const actor = userActor(request);
      return { licenceId: actor.licenceId, userId: actor.userId, supportVisit: actor.supportVisit !== null, audit: auditActorOf(request) };
    };

    app.get('/provisioning-tokens', {
      config,
      schema: {
        tags,
        summary: "The licence's provisioning tokens, revoked ones included (never the tokens themselves), and the SCIM base URL they are used on",
        response: { 200: z.object({ items: z.array(tokenSchema), scimBaseUrl: z.string().describe('<public URL>/scim/v2') }) },
      },
      handler: async (request) => ({ items: await provisioning.list(userActor(request).licenceId), scimBaseUrl: provisioning.scimBaseUrl }),
    });

    app.post('/provisioning-tokens', {
      config,
      schema: {
        tags,
        summary: 'Create a provisioning token for SCIM (<public URL>/scim/v2): the answer is the only place it is ever shown',
        body: z.strictObject({
          name: field.text(100),
          configurationId: field.id.describe('A configuration you may grant (assignable in GET /rights-configurations)'),
          entityGroupId: field.id.describe('A group you may grant (assignable in GET /entity-groups)'),
        }),
        response: { 201: z.object({ id: z.uuid(), name: z.string(), token: z.string() }) },
      },
      handler: async (request, reply) => reply.status(201).send(await provisioning.create(caller(request), request.body)),
    });

    app.post('/provisioning-tokens/:id/revoke', {
      config,
      schema: { tags, summary: 'Revoke a provisioning token: refused from the next request on', params: field.idParams, response: { 200: tokenSchema } },
      handler: (request) => provisioning.revoke(caller(request), request.params.id),
    });
  };
}
