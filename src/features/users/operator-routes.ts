import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { licenceCodeParams } from '../licences/routes.ts';
import type { LicencesService } from '../licences/service.ts';
import { auditActorOf } from '../../platform/http/authenticate.ts';
import { page } from '../../platform/http/schemas.ts';
import type { UsersService } from './service.ts';
import { createUserBody, listUsersQuery, userSchema } from './schemas.ts';

/** Operators create users with any configuration, Admin and Team included. */
export function operatorUserRoutes(users: UsersService, licences: LicencesService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Operator: users'];
    const config = { access: 'operator' as const };

    app.get('/licences/:code/users', {
      config,
      schema: { tags, summary: "List a licence's users", params: licenceCodeParams, querystring: listUsersQuery, response: { 200: page(userSchema) } },
      handler: async (request) => users.list((await licences.byCode(request.params.code)).id, request.query),
    });

    app.post('/licences/:code/users', {
      config,
      schema: { tags, summary: 'Create a user with any configuration', params: licenceCodeParams, body: createUserBody, response: { 201: userSchema } },
      handler: async (request, reply) => reply.status(201).send(await users.create((await licences.byCode(request.params.code)).id, request.body, { granter: 'operator', audit: auditActorOf(request) })),
    });
  };
}
