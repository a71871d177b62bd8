import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import { licenceCodeParams } from '../licences/routes.ts';
import type { LicencesService } from '../licences/service.ts';
import type { UsersService } from '../users/service.ts';
import type { EntitiesService } from './service.ts';

const entitySchema = z.object({ id: z.uuid(), code: z.string(), name: z.string() });
const groupSchema = z.object({ id: z.uuid(), name: z.string(), entities: z.array(entitySchema) });
const entityCode = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, { message: 'must be 1 to 40 lowercase letters, digits, _ or -' });

/**
 * Any signed-in user of the licence reads its groups (the console's forms need them). Every group is
 * listed, since users may hold any; `assignable` says which the caller may grant.
 */
export function entityGroupRoutes(entities: EntitiesService, users: UsersService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/entity-groups', {
      config: { access: 'user' },
      schema: {
        tags: ['Reference data'],
        summary: "The licence's entity groups with their entities, and which ones the caller may grant",
        response: {
          200: z.array(
            groupSchema.extend({
              assignable: z
                .boolean()
                .describe("Whether the caller may grant it: for a licence admin, only a group whose entities all lie within the admin's own group (else 403 exceeds_own_rights)"),
            }),
          ),
        },
      },
      handler: async (request) => {
        const actor = userActor(request);
        const offer = await users.ceilings.offerTo(actor.licenceId, users.ceilings.callerOf(actor));
        return (await entities.listGroups(actor.licenceId)).map(({ singleEntity: _single, ...group }) => ({ ...group, assignable: offer.entityGroup(group.entities.map((entity) => entity.id)) }));
      },
    });
  };
}

export function operatorEntityRoutes(entities: EntitiesService, licences: LicencesService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Operator: entities'];
    const config = { access: 'operator' as const };
    const licenceId = async (code: string) => (await licences.byCode(code)).id;

    app.get('/licences/:code/entities', {
      config,
      schema: { tags, summary: "A licence's entities", params: licenceCodeParams, response: { 200: z.array(entitySchema) } },
      handler: async (request) => entities.listEntities(await licenceId(request.params.code)),
    });

    app.post('/licences/:code/entities', {
      config,
      schema: {
        tags,
        summary: 'Add an entity (a partition of the data), with a group of its own',
        params: licenceCodeParams,
        body: z.strictObject({ code: entityCode, name: field.text(100) }),
        response: { 201: entitySchema.extend({ groupId: z.uuid() }) },
      },
      handler: async (request, reply) => reply.status(201).send(await entities.createEntity(await licenceId(request.params.code), request.body, auditActorOf(request))),
    });

    app.get('/licences/:code/entity-groups', {
      config,
      schema: { tags, summary: "A licence's entity groups", params: licenceCodeParams, response: { 200: z.array(groupSchema.extend({ singleEntity: z.boolean() })) } },
      handler: async (request) => entities.listGroups(await licenceId(request.params.code)),
    });

    app.post('/licences/:code/entity-groups', {
      config,
      schema: {
        tags,
        summary: 'Make a named group of entities',
        params: licenceCodeParams,
        body: z.strictObject({ name: field.text(100), entityIds: z.array(field.id).min(1).max(1000) }),
        response: { 201: groupSchema.extend({ singleEntity: z.boolean() }) },
      },
      handler: async (request, reply) => reply.status(201).send(await entities.createGroup(await licenceId(request.params.code), request.body, auditActorOf(request))),
    });
  };
}
