import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Authorizer, ProvisioningActor } from '../../platform/http/actor.ts';
import { auditActorOf } from '../../platform/http/authenticate.ts';
import { discoveryLists } from './discovery.ts';
import { errorDocument, ScimError, scimErrorOf } from './errors.ts';
import { project, scimUserInput } from './resource.ts';
import { actingOf, type ScimService } from './service.ts';

// SCIM 2.0 (RFC 7644) under /scim/v2, for a licence's identity provider holding a provisioning
// token. This plugin answers in SCIM's own media type and error format: its error handler and
// not-found handler cover everything under the prefix, authentication failures included.

const SCIM_JSON = 'application/scim+json; charset=utf-8';
const tags = ['SCIM 2.0 (provisioning)'];
const config = { access: 'provisioning' as const };

/** Every error answer is a SCIM error document, declared so (and serialized as one). */
const errors = Object.fromEntries([400, 401, 403, 404, 409, 412, 413, 415, 422, 500].map((status) => [status, errorDocument]));
const resourceDocument = z.looseObject({ schemas: z.array(z.string()) }).describe('A SCIM resource (RFC 7643)');
const listDocument = z.looseObject({ schemas: z.array(z.string()), totalResults: z.number().int(), startIndex: z.number().int().optional(), itemsPerPage: z.number().int().optional(), Resources: z.array(resourceDocument) });

const projection = {
  attributes: z.string().max(2000).optional().describe('Comma-separated attributes to return (id and schemas always are)'),
  excludedAttributes: z.string().max(2000).optional().describe('Comma-separated attributes to leave out'),
};
const idParams = z.object({ id: z.string().max(200) });
const listQuery = z.object({
  filter: z.string().max(4000).optional().describe('RFC 7644 §3.4.2.2, e.g. userName eq "bjensen"'),
  startIndex: z.coerce.number().int().optional().describe('1-based; below 1 reads as 1'),
  count: z.coerce.number().int().optional().describe('At most 200 a page; 0 answers only totalResults'),
  sortBy: z.string().max(200).optional(),
  sortOrder: z.enum(['ascending', 'descending']).optional(),
  ...projection,
});
const patchBody = z.looseObject({
  schemas: z.array(z.string()),
  Operations: z.array(z.looseObject({ op: z.string(), path: z.string().optional(), value: z.unknown().optional() })).min(1).max(100),
});
const ifMatch = z.looseObject({ 'if-match': z.string().max(1000).optional().describe('W/"<version>" from meta.version: the change applies only to that version (else 412)') });

/** For the server: errors raised under /scim/v2 before routing (a malformed path) are SCIM errors too. */
export const SCIM_ERROR_FORMAT = {
  prefix: '/scim/v2/',
  answer: (status: number, detail: string) => ({ contentType: SCIM_JSON, body: new ScimError(status, detail).toBody() }),
};

function provisioningActor(request: FastifyRequest): ProvisioningActor {
  const actor = request.actor;
  if (actor?.kind !== 'provisioning') throw new ScimError(401, 'A provisioning token is required');
  return actor;
}

const sendResource = (reply: FastifyReply, status: number, resource: { id: string; meta: { version: string; location: string } }, body: Record<string, unknown> = resource) => {
  void reply.header('etag', resource.meta.version);
  if (status === 201) void reply.header('location', resource.meta.location);
  return reply.status(status).send(body);
};

export function scimRoutes(scim: ScimService, authorizer: Authorizer): FastifyPluginAsyncZod {
  return async (app) => {
    // SCIM's media type is taken as JSON here (RFC 7644 §3.1), and answered.
    app.addContentTypeParser('application/scim+json', { parseAs: 'string' }, (_request, body, done) => {
      if (body === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new ScimError(400, 'body: is not valid JSON', 'invalidSyntax'), undefined);
      }
    });
    app.addHook('onRequest', async (request, reply) => {
      // Answers carry people's data: no cache keeps them.
      void reply.header('cache-control', 'no-store').type(SCIM_JSON);
      // A token acts within its creator's rights: they must still be allowed to create users.
      const actor = request.actor;
      if (actor?.kind === 'provisioning') {
        const creator = { kind: 'user' as const, principal: 'user' as const, licenceId: actor.licenceId, userId: actor.createdBy, login: '', language: 'en', sessionId: '', via: 'bearer' as const, supportVisit: null };
        if (!(await authorizer.isAllowed(creator, 'licence-configuration.users.create'))) {
          throw new ScimError(403, 'The admin who created this token may no longer create users: create a new token');
        }
      }
    });
    app.setErrorHandler((error, request, reply) => {
      const scimError = scimErrorOf(error);
      if (scimError.status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
      if (scimError.status === 401) void reply.header('www-authenticate', 'Bearer realm="scim"');
      return reply.status(scimError.status).type(SCIM_JSON).send(scimError.toBody());
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).type(SCIM_JSON).send(new ScimError(404, `No SCIM endpoint ${request.method} ${request.url.split('?')[0]}`).toBody()),
    );

    const lists = discoveryLists(scim.baseUrl);
    app.get('/ServiceProviderConfig', {
      config,
      schema: { tags, summary: 'What this SCIM service supports (RFC 7643 §5)', response: { 200: resourceDocument, ...errors } },
      handler: async () => lists.serviceProviderConfig,
    });
    app.get('/ResourceTypes', {
      config,
      schema: { tags, summary: 'The resource types: User (RFC 7643 §6)', response: { 200: listDocument, ...errors } },
      handler: async () => lists.list(lists.resourceTypes),
    });
    app.get('/ResourceTypes/:id', {
      config,
      schema: { tags, summary: 'One resource type', params: idParams, response: { 200: resourceDocument, ...errors } },
      handler: async (request) => lists.one(lists.resourceTypes, request.params.id),
    });
    app.get('/Schemas', {
      config,
      schema: { tags, summary: 'The User schema and the Gatehouse extension (RFC 7643 §7)', response: { 200: listDocument, ...errors } },
      handler: async () => lists.list(lists.schemas),
    });
    app.get('/Schemas/:id', {
      config,
      schema: { tags, summary: 'One schema, by its URN', params: idParams, response: { 200: resourceDocument, ...errors } },
      handler: async (request) => lists.one(lists.schemas, request.params.id),
    });

    app.get('/Users', {
      config,
      schema: { tags, summary: 'List users, filtered, sorted and paged (RFC 7644 §3.4.2)', querystring: listQuery, response: { 200: listDocument, ...errors } },
      handler: async (request) => scim.list(provisioningActor(request), request.query),
    });
    app.get('/Users/:id', {
      config,
      schema: { tags, summary: 'A user', params: idParams, querystring: z.object(projection), response: { 200: resourceDocument, ...errors } },
      handler: async (request, reply) => {
        const user = await scim.get(provisioningActor(request), request.params.id);
        return sendResource(reply, 200, user, project(user, request.query));
      },
    });
    app.post('/Users', {
      config,
      schema: {
        tags,
        summary: "Create a user (a welcome e-mail goes out); without the extension, the token's configuration and group",
        body: scimUserInput,
        response: { 201: resourceDocument, ...errors },
      },
      handler: async (request, reply) => {
        const actor = provisioningActor(request);
        return sendResource(reply, 201, await scim.create(actor, actingOf(actor, auditActorOf(request)), request.body));
      },
    });
    app.put('/Users/:id', {
      config,
      schema: { tags, summary: 'Replace a user (userName cannot change)', params: idParams, headers: ifMatch, body: scimUserInput, response: { 200: resourceDocument, ...errors } },
      handler: async (request, reply) => {
        const actor = provisioningActor(request);
        return sendResource(reply, 200, await scim.replace(actor, actingOf(actor, auditActorOf(request)), request.params.id, request.body, request.headers['if-match']));
      },
    });
    app.patch('/Users/:id', {
      config,
      schema: { tags, summary: 'Change a user with add, replace and remove operations (RFC 7644 §3.5.2)', params: idParams, headers: ifMatch, body: patchBody, response: { 200: resourceDocument, ...errors } },
      handler: async (request, reply) => {
        const actor = provisioningActor(request);
        return sendResource(reply, 200, await scim.patch(actor, actingOf(actor, auditActorOf(request)), request.params.id, request.body, request.headers['if-match']));
      },
    });
    app.delete('/Users/:id', {
      config,
      schema: { tags, summary: 'Delete a user, finally', params: idParams, headers: ifMatch, response: { 204: z.null(), ...errors } },
      handler: async (request, reply) => {
        const actor = provisioningActor(request);
        await scim.remove(actor, actingOf(actor, auditActorOf(request)), request.params.id, request.headers['if-match']);
        return reply.status(204).send(null);
      },
    });
  };
}

