import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import { licenceCodeParams } from '../licences/routes.ts';
import type { LicencesService } from '../licences/service.ts';
import type { UsersService } from '../users/service.ts';
import type { ConfigurationsService } from './service.ts';

const configurationSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  kind: z.enum(['standard', 'internal', 'custom']),
  assignable: z
    .boolean()
    .describe(
      'Whether the caller may grant it: never the configurations only the vendor grants (Admin, internal ones), and, for a licence admin, only those whose usable rights lie within their own configuration (else 403 exceeds_own_rights)',
    ),
  applications: z.array(z.string()),
  steps: z.array(z.string()).optional(),
});
const customBody = z.strictObject({ name: field.text(100), permissions: z.array(z.string().max(200)).min(1).max(2000) });

export function configurationRoutes(configurations: ConfigurationsService, licences: LicencesService, users: UsersService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/rights-configurations', {
      config: { access: 'user' },
      schema: { tags: ['Reference data'], summary: "The licence's rights configurations, and which ones admins may grant", response: { 200: z.array(configurationSchema) } },
      handler: async (request) => {
        const actor = userActor(request);
        const licence = await licences.byId(actor.licenceId);
        // The console offers only what the server would accept from this caller.
        const offer = await users.ceilings.offerTo(licence.id, users.ceilings.callerOf(actor));
        return configurations.list(licence.id, licence.applications, offer.configuration);
      },
    });
  };
}

export function operatorConfigurationRoutes(configurations: ConfigurationsService, licences: LicencesService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Operator: rights configurations'];
    const config = { access: 'operator' as const };

    app.get('/licences/:code/rights-configurations', {
      config,
      schema: { tags, summary: "A licence's rights configurations", params: licenceCodeParams, response: { 200: z.array(configurationSchema) } },
      handler: async (request) => {
        const licence = await licences.byCode(request.params.code);
        return configurations.list(licence.id, licence.applications);
      },
    });

    app.post('/licences/:code/rights-configurations', {
      config,
      schema: {
        tags,
        summary: 'Create a tailor-made configuration; keys of any level are expanded to steps and frozen',
        params: licenceCodeParams,
        body: customBody,
        response: { 201: configurationSchema },
      },
      handler: async (request, reply) => {
        const licence = await licences.byCode(request.params.code);
        return reply.status(201).send(await configurations.createCustom(licence.id, licence.applications, request.body, auditActorOf(request)));
      },
    });

    app.put('/licences/:code/rights-configurations/:id', {
      config,
      schema: {
        tags,
        summary: 'Replace the name and steps of a tailor-made configuration',
        params: licenceCodeParams.extend({ id: field.id }),
        body: customBody,
        response: { 200: configurationSchema },
      },
      handler: async (request) => {
        const licence = await licences.byCode(request.params.code);
        return configurations.updateCustom(licence.id, licence.applications, request.params.id, request.body, auditActorOf(request));
      },
    });
  };
}
