import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import { idParams, page } from '../../platform/http/schemas.ts';
import { proofIn, stepUpFields, type StepUp } from '../auth/step-up.ts';
import type { Acting, UsersService } from './service.ts';
import { createUserBody, listUsersQuery, updateUserBody, userSchema } from './schemas.ts';

// The users app of licence admins: /api/v1/users. Each route declares the permission it needs.

const tags = ['Users'];
const requires = (step: string) => ({ access: 'user' as const, requires: `licence-configuration.users.${step}` });

/** The body of a step-up act: the acting person’s current password (or authenticator code), asked again; a request without a body has none (null). */
const stepUpBody = z.strictObject(stepUpFields).nullish();

export function userRoutes(users: UsersService, stepUp: StepUp): FastifyPluginAsyncZod {
  return async (app) => {
    const acting = (request: Parameters<typeof userActor>[0]): Acting => {
      const actor = userActor(request);
      return {
        granter: 'admin',
        userId: actor.userId,
        sessionId: actor.sessionId,
        supportVisit: actor.supportVisit !== null,
        stepUp: () => stepUp.verify(actor, proofIn(request.body)),
        audit: auditActorOf(request),
      };
    };

    app.get('/users', {
      config: requires('view'),
      schema: { tags, summary: 'List users, active or deactivated, optionally searched', querystring: listUsersQuery, response: { 200: page(userSchema) } },
      handler: (request) => users.list(userActor(request).licenceId, request.query),
    });

    app.post('/users', {
      config: requires('create'),
      schema: { tags, summary: 'Create a user and e-mail them a set-password link', body: createUserBody, response: { 201: userSchema } },
      handler: async (request, reply) => reply.status(201).send(await users.create(userActor(request).licenceId, request.body, acting(request))),
    });

    app.post('/users/password-reset', {
      config: requires('reset-password'),
      schema: {
        tags,
        summary: 'Reset the passwords of every active user of the licence, confirming it with my current password',
        body: stepUpBody,
        response: { 202: z.object({ count: z.number().int() }) },
      },
      handler: async (request, reply) => reply.status(202).send(await users.resetAllPasswords(userActor(request).licenceId, acting(request))),
    });

    app.get('/users/:id', {
      config: requires('view'),
      schema: { tags, summary: 'View a user', params: idParams, response: { 200: userSchema } },
      handler: (request) => users.get(userActor(request).licenceId, request.params.id),
    });

    app.patch('/users/:id', {
      config: requires('edit'),
      schema: { tags, summary: 'Edit a user (the login never changes)', params: idParams, body: updateUserBody, response: { 200: userSchema } },
      handler: (request) => {
        const { login: _login, ...changes } = request.body;
        return users.update(userActor(request).licenceId, request.params.id, changes, acting(request));
      },
    });

    app.post('/users/:id/deactivate', {
      config: requires('deactivate'),
      schema: {
        tags,
        summary: 'Deactivate a user; their sessions end at once (the support account: confirm with my current password)',
        params: idParams,
        body: stepUpBody,
        response: { 200: userSchema },
      },
      handler: (request) => users.deactivate(userActor(request).licenceId, request.params.id, acting(request)),
    });

    app.post('/users/:id/activate', {
      config: requires('deactivate'),
      schema: { tags, summary: 'Activate a user again, if a seat is free', params: idParams, response: { 200: userSchema } },
      handler: (request) => users.activate(userActor(request).licenceId, request.params.id, acting(request)),
    });

    app.delete('/users/:id', {
      config: requires('delete'),
      schema: { tags, summary: 'Delete a user, finally', params: idParams, response: { 204: z.null() } },
      handler: async (request, reply) => {
        await users.remove(userActor(request).licenceId, request.params.id, acting(request));
        return reply.status(204).send(null);
      },
    });

    app.delete('/users/:id/totp', {
      config: requires('edit'),
      schema: { tags, summary: "Remove a user's authenticator app, e.g. after they lost their phone", params: idParams, response: { 204: z.null() } },
      handler: async (request, reply) => {
        await users.removeAuthenticator(userActor(request).licenceId, request.params.id, acting(request));
        return reply.status(204).send(null);
      },
    });

    app.post('/users/:id/password-reset', {
      config: requires('reset-password'),
      schema: { tags, summary: "Reset a user's password: it stops working now and a link is e-mailed", params: idParams, response: { 202: z.null() } },
      handler: async (request, reply) => {
        await users.resetPassword(userActor(request).licenceId, request.params.id, acting(request));
        return reply.status(202).send(null);
      },
    });
  };
}
