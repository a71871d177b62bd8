import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import { licenceCodeParams } from '../licences/routes.ts';
import type { LicencesService } from '../licences/service.ts';
import type { ApiAccountsService } from './service.ts';

const holderSchema = z.object({ firstName: z.string(), lastName: z.string(), email: z.string(), mobile: z.string().nullable() });
const requestSchema = z.object({
  id: z.uuid(),
  licence: z.string().optional(),
  login: z.string(),
  holder: holderSchema,
  status: z.enum(['pending', 'fulfilled', 'rejected']),
  warnings: z.array(z.string()),
  requestedBy: z.string(),
  reason: z.string().nullable(),
  apiAccountId: z.uuid().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
const accountSchema = z.object({
  id: z.uuid(),
  login: z.string(),
  holder: holderSchema,
  status: z.enum(['active', 'deactivated']),
  configuration: z.object({ id: z.uuid(), name: z.string(), kind: z.enum(['standard', 'internal', 'custom']) }),
  entityGroup: z.object({ id: z.uuid(), name: z.string() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const deliveredSchema = z.object({ apiAccount: accountSchema, delivery: z.enum(['transfer-box', 'sms']) });
const tags = ['API accounts'];
const requires = (step: string) => ({ access: 'user' as const, requires: `licence-configuration.api-users.${step}` });

export function apiAccountRoutes(apiAccounts: ApiAccountsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/api-accounts', {
      config: requires('view'),
      schema: { tags, summary: "The licence's API accounts", querystring: z.strictObject(field.listQuery), response: { 200: field.page(accountSchema) } },
      handler: (request) => apiAccounts.listAccounts(userActor(request).licenceId, request.query),
    });

    for (const [action, status] of [['deactivate', 'deactivated'], ['activate', 'active']] as const) {
      app.post(`/api-accounts/:id/${action}`, {
        config: requires('deactivate'),
        schema: { tags, summary: action === 'deactivate' ? 'Deactivate an API account: its tokens stop working at once' : 'Activate an API account again', params: field.idParams, response: { 200: accountSchema } },
        handler: (request) => apiAccounts.setStatus(userActor(request).licenceId, request.params.id, status, auditActorOf(request)),
      });
    }

    app.post('/api-account-requests', {
      config: { access: 'console', requires: 'licence-configuration.api-users.request' },
      schema: {
        tags,
        summary: 'Ask the vendor for an API account; its secret will go to the holder only',
        body: z.strictObject({
          login: field.login,
          holder: z.strictObject({ firstName: field.text(100), lastName: field.text(100), email: field.email, mobile: field.mobile.optional() }),
        }),
        response: { 201: requestSchema },
      },
      handler: async (request, reply) => {
        const actor = userActor(request);
        return reply.status(201).send(await apiAccounts.request(actor.licenceId, actor.userId, request.body, auditActorOf(request)));
      },
    });

    app.get('/api-account-requests', {
      config: requires('view'),
      schema: { tags, summary: "The licence's API account requests, newest first", querystring: z.strictObject({ status: z.enum(['pending', 'fulfilled', 'rejected']).optional(), ...field.listQuery }), response: { 200: field.page(requestSchema) } },
      handler: (request) => apiAccounts.listRequests({ licenceId: userActor(request).licenceId, ...request.query }),
    });
  };
}

export function operatorApiAccountRoutes(apiAccounts: ApiAccountsService, licences: LicencesService): FastifyPluginAsyncZod {
  return async (app) => {
    const config = { access: 'operator' as const };
    const tags = ['Operator: API accounts'];

    app.get('/api-account-requests', {
      config,
      schema: { tags, summary: 'API account requests of every licence, newest first', querystring: z.strictObject({ status: z.enum(['pending', 'fulfilled', 'rejected']).optional(), ...field.listQuery }), response: { 200: field.page(requestSchema) } },
      handler: (request) => apiAccounts.listRequests(request.query),
    });

    app.post('/api-account-requests/:id/fulfil', {
      config,
      schema: { tags, summary: 'Create the account and deliver its secret to the holder', params: field.idParams, body: z.strictObject({ configurationId: field.id, entityGroupId: field.id }), response: { 200: deliveredSchema } },
      handler: (request) => apiAccounts.fulfil(request.params.id, request.body, auditActorOf(request)),
    });

    app.post('/api-account-requests/:id/reject', {
      config,
      schema: { tags, summary: 'Reject a request, saying why', params: field.idParams, body: z.strictObject({ reason: field.text(1000) }), response: { 200: requestSchema } },
      handler: (request) => apiAccounts.reject(request.params.id, request.body.reason, auditActorOf(request)),
    });

    app.get('/licences/:code/api-accounts', {
      config,
      schema: { tags, summary: "A licence's API accounts", params: licenceCodeParams, querystring: z.strictObject(field.listQuery), response: { 200: field.page(accountSchema) } },
      handler: async (request) => apiAccounts.listAccounts((await licences.byCode(request.params.code)).id, request.query),
    });

    app.post('/licences/:code/api-accounts/:id/rotate-secret', {
      config,
      schema: { tags, summary: 'Make a new secret and deliver it like the first; the old one stops working', params: licenceCodeParams.extend({ id: field.id }), response: { 200: deliveredSchema } },
      handler: async (request) => apiAccounts.rotateSecret((await licences.byCode(request.params.code)).id, request.params.id, auditActorOf(request)),
    });
  };
}
