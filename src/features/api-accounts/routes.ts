import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import { licenceCodeParams } from '../licences/routes.ts';
import type { LicencesService } from '../licences/service.ts';
import type { UsersService } from '../users/service.ts';
import type { ApiAccountsService, HolderInput } from './service.ts';

const holderSchema = z.object({
  userId: z.uuid().nullable().describe("The holder's console account, or null for a person outside the console"),
  login: z.string().nullable().describe("The holder's console login, while that account exists"),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  mobile: z.string().nullable(),
});
const delivery = z.enum(['transfer-box', 'sms']);
const requestSchema = z.object({
  id: z.uuid(),
  licence: z.string().optional(),
  login: z.string(),
  holder: holderSchema,
  status: z.enum(['pending', 'fulfilled', 'rejected']),
  delivery: delivery.nullable().describe('Fulfilled: how the secret went. Pending: how it would go now (null when it cannot: no mobile, or the holder is no longer active). Rejected: null'),
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
const deliveredSchema = z.object({ apiAccount: accountSchema, delivery });

/**
 * The holder: a console user by id alone, or a person outside the console by names, e-mail and
 * mobile. Without userId the holder is that outside person and the secret goes by SMS, whoever has
 * the e-mail in the console; an e-mail held by several users is refused as ambiguous.
 */
const holderRequest = z
  .strictObject({
    userId: field.id.optional().describe("The holder's console account; names, e-mail and mobile then come from it"),
    firstName: field.text(100).optional(),
    lastName: field.text(100).optional(),
    email: field.email.optional(),
    mobile: field.mobile.optional(),
  })
  .superRefine((holder, issues) => {
    const outside = ['firstName', 'lastName', 'email'] as const;
    if (holder.userId === undefined) {
      for (const key of outside) if (holder[key] === undefined) issues.addIssue({ code: 'custom', path: [key], message: 'is required when the holder is not named by userId', params: { code: 'required' } });
      return;
    }
    for (const key of [...outside, 'mobile'] as const) {
      if (holder[key] !== undefined) issues.addIssue({ code: 'custom', path: [key], message: "comes from the holder's console account: send userId alone", params: { code: 'not_with_user_id' } });
    }
  });
const accountRequest = z.strictObject({ login: field.login, holder: holderRequest });
type HolderRequest = z.infer<typeof holderRequest>;

/** The schema has checked that a holder without userId has names and e-mail. */
function holderOf(holder: HolderRequest): HolderInput {
  if (holder.userId !== undefined) return { userId: holder.userId };
  return { firstName: holder.firstName ?? '', lastName: holder.lastName ?? '', email: holder.email ?? '', mobile: holder.mobile };
}
const tags = ['API accounts'];
const requires = (step: string) => ({ access: 'user' as const, requires: `licence-configuration.api-users.${step}` });

export function apiAccountRoutes(apiAccounts: ApiAccountsService, users: UsersService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/api-accounts', {
      config: requires('view'),
      schema: { tags, summary: "The licence's API accounts", querystring: z.strictObject(field.listQuery), response: { 200: field.page(accountSchema) } },
      handler: (request) => apiAccounts.listAccounts(userActor(request).licenceId, request.query),
    });

    for (const [action, status] of [['deactivate', 'deactivated'], ['activate', 'active']] as const) {
      app.post(`/api-accounts/:id/${action}`, {
        config: requires('deactivate'),
        schema: {
          tags,
          summary: action === 'deactivate' ? 'Deactivate an API account: its tokens stop working at once' : 'Activate an API account again',
          description: "403 `exceeds_own_rights` (field `id`) when the account holds rights or entities beyond the caller's own configuration and group.",
          params: field.idParams,
          response: { 200: accountSchema },
        },
        handler: (request) => {
          const actor = userActor(request);
          return apiAccounts.setStatus(actor.licenceId, request.params.id, status, auditActorOf(request), users.ceilings.callerOf(actor));
        },
      });
    }

    const requestConfig = { access: 'console' as const, requires: 'licence-configuration.api-users.request' };
    app.post('/api-account-requests/preview', {
      config: requestConfig,
      schema: {
        tags,
        summary: 'Say how the secret of a request would be delivered, and its warnings, without filing it',
        description: 'The same body and the same refusals as POST /api-account-requests; nothing is created.',
        body: accountRequest,
        response: { 200: z.object({ delivery, warnings: z.array(z.string()) }) },
      },
      handler: (request) => {
        const actor = userActor(request);
        return apiAccounts.preview(actor.licenceId, actor.userId, { login: request.body.login, holder: holderOf(request.body.holder) });
      },
    });

    app.post('/api-account-requests', {
      config: requestConfig,
      schema: {
        tags,
        summary: 'Ask the vendor for an API account; its secret will go to the holder only',
        description:
          "Name a holder who has a console account by `holder.userId` alone: the secret goes to their Transfer Box when their rights configuration opens it, otherwise by SMS to their mobile. Without userId the holder is a person outside the console (names, e-mail, mobile) and the secret goes by SMS to that mobile, even when a console user has that e-mail (422 `holder.email` `ambiguous` when several do). 422 `holder.mobile` `required_for_sms_delivery` when the secret would go by SMS and there is no mobile.",
        body: accountRequest,
        response: { 201: requestSchema },
      },
      handler: async (request, reply) => {
        const actor = userActor(request);
        return reply.status(201).send(await apiAccounts.request(actor.licenceId, actor.userId, { login: request.body.login, holder: holderOf(request.body.holder) }, auditActorOf(request)));
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
      schema: { tags, summary: 'Create the account and deliver its secret to the holder the request names (409 when it cannot be delivered)', params: field.idParams, body: z.strictObject({ configurationId: field.id, entityGroupId: field.id }), response: { 200: deliveredSchema } },
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
