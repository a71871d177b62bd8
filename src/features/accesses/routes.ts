import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import { licenceCodeParams } from '../licences/routes.ts';
import type { LicencesService } from '../licences/service.ts';
import type { AccessesService } from './service.ts';

const periodQuery = { from: field.timestamp.optional(), to: field.timestamp.optional(), ...field.listQuery };
const config = { access: 'user' as const, requires: 'licence-configuration.licence-accesses.view' };
const tags = ['Licence accesses'];

export function accessRoutes(accesses: AccessesService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/licence-accesses/users', {
      config,
      schema: {
        tags,
        summary: 'Console sign-ins of the licence, newest first',
        querystring: z.strictObject({ ...periodQuery, login: field.text(64, { min: 0 }).optional() }),
        response: { 200: field.page(z.object({ login: z.string(), at: z.string(), ip: z.string().nullable(), userAgent: z.string().nullable() })) },
      },
      handler: (request) => accesses.signIns(userActor(request).licenceId, request.query),
    });

    app.get('/licence-accesses/support', {
      config,
      schema: {
        tags,
        summary: "The vendor's support visits to the licence, with their tickets, newest first",
        querystring: z.strictObject(periodQuery),
        response: { 200: field.page(z.object({ at: z.string(), ticket: z.string(), description: z.string(), operator: z.string() })) },
      },
      handler: (request) => accesses.supportVisits(userActor(request).licenceId, request.query),
    });
  };
}

export function operatorSupportRoutes(accesses: AccessesService, licences: LicencesService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/licences/:code/support-sessions', {
      config: { access: 'operator' },
      schema: {
        tags: ['Operator: support'],
        summary: "Open a support visit: a session of the licence's support account, logged with its ticket",
        params: licenceCodeParams,
        body: z.strictObject({ ticket: field.text(100), description: field.text(2000), operator: field.text(100) }),
        response: { 201: z.object({ sessionToken: z.string(), csrfToken: z.string(), expiresAt: z.string() }) },
      },
      handler: async (request, reply) => {
        const licence = await licences.byCode(request.params.code);
        return reply.status(201).send(await accesses.openSupportVisit(licence.id, request.body, auditActorOf(request)));
      },
    });
  };
}
