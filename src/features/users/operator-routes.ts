import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { licenceCodeParams } from '../licences/routes.ts';
import type { LicencesService } from '../licences/service.ts';
import { auditActorOf } from '../../platform/http/authenticate.ts';
import { id, page } from '../../platform/http/schemas.ts';
import type { UsersService } from './service.ts';
import { createUserBody, listUsersQuery, updateUserBody, userSchema } from './schemas.ts';

const licenceUserParams = licenceCodeParams.extend({ id });

/** Operators create and edit users with any configuration and group, Admin and Team included. */
export function operatorUserRoutes(users: UsersService, licences: LicencesService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Operator: users'];
    const config = { access: 'operator' as const };

    app.get('/licences/:code/users', {
      // A service that only reads users holds users:read, not every operator right.
      config: { ...config, scope: 'users:read' as const },
      schema: { tags, summary: "List a licence's users", params: licenceCodeParams, querystring: listUsersQuery, response: { 200: page(userSchema) } },
      handler: async (request) => users.list((await licences.byCode(request.params.code)).id, request.query),
    });

    app.post('/licences/:code/users', {
      config,
      schema: { tags, summary: 'Create a user with any configuration', params: licenceCodeParams, body: createUserBody, response: { 201: userSchema } },
      handler: async (request, reply) => reply.status(201).send(await users.create((await licences.byCode(request.params.code)).id, request.body, { granter: 'operator', audit: auditActorOf(request) })),
    });

    // A licence admin grants only within their own reach; the vendor widens it, e.g. puts the admins
    // in a group holding an entity it has just created.
    app.patch('/licences/:code/users/:id', {
      config,
      schema: { tags, summary: 'Edit a user with any configuration and group (the login never changes)', params: licenceUserParams, body: updateUserBody, response: { 200: userSchema } },
      handler: async (request) => {
        const { login: _login, ...changes } = request.body;
        return users.update((await licences.byCode(request.params.code)).id, request.params.id, changes, { granter: 'operator', audit: auditActorOf(request) });
      },
    });
  };
}
