import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../platform/http/authenticate.ts';
import { problemDocument } from '../../platform/http/problems.ts';
import * as field from '../../platform/http/schemas.ts';
import { APPLICATION_KINDS, ID_TOKEN_SIGNING_ALGS, SERVICE_SCOPES, type ApplicationsService } from './service.ts';

// /operator/v1/applications: the platform's applications that sign their users in through Gatehouse.

const tags = ['Operator: applications'];
// URIs, not IRIs: printable ASCII only (others percent-encoded), so no control or bidi character hides in one.
const uri = z
  .string()
  .min(1)
  .max(2000)
  .regex(/^[\x21-\x7E]+$/, { message: 'must be a URI of printable ASCII characters, without spaces (percent-encode the others)' });
const uris = (what: string) =>
  z
    .array(uri)
    .max(20)
    .describe(`${what}: absolute and exact (no wildcard, no fragment), https except on localhost, 127.0.0.1 or [::1]; a native app may also use a private-use scheme such as com.example.app:/callback`);
const kind = z
  .enum(APPLICATION_KINDS)
  .describe('web: a server-side web app holding a secret; spa: a single-page app and native: a mobile or desktop app, both public clients using PKCE; service: a backend calling Gatehouse with client credentials only');
const catalogKey = z
  .string()
  .max(200)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$/, { message: 'must be a key of the catalog, e.g. email-campaigns.campaigns' })
  .describe('The catalog application it stands for, e.g. email-campaigns.campaigns, or its top-level key, e.g. email-campaigns');
const scopes = z.array(z.enum(SERVICE_SCOPES)).max(SERVICE_SCOPES.length).describe('Only for a service: the scopes it may receive (decisions:read for POST /operator/v1/authorize, users:read to read users)');
const idTokenSigningAlg = z
  .enum(ID_TOKEN_SIGNING_ALGS)
  .describe('How its ID tokens are signed: RS256 (the default; every OpenID client accepts it) or ES256 (smaller tokens, signed faster; the application’s OpenID library must accept it). Not for a service, which receives no ID token');
const backchannelLogoutUri = uri.describe('Where the provider posts a logout token when a user’s session ends: https except on localhost');

const applicationSchema = z.object({
  id: z.uuid(),
  clientId: z.string(),
  name: z.string(),
  kind: z.enum(APPLICATION_KINDS),
  redirectUris: z.array(z.string()),
  postLogoutRedirectUris: z.array(z.string()),
  backchannelLogoutUri: z.string().nullable(),
  application: z.string().nullable(),
  scopes: z.array(z.string()),
  idTokenSigningAlg: z.enum(ID_TOKEN_SIGNING_ALGS).nullable().describe('How its ID tokens are signed (RS256 or ES256); null for a service, which receives no ID token'),
  hasSecret: z.boolean().describe('true for web apps and services, which hold a client secret'),
  createdAt: field.timestamp,
  updatedAt: field.timestamp,
  secretRotatedAt: field.timestamp.nullable(),
});

const secretNote = 'shown in this answer only; Gatehouse keeps its hash';

export function operatorApplicationRoutes(applications: ApplicationsService): FastifyPluginAsyncZod {
  return async (app) => {
    const config = { access: 'operator' as const };

    app.get('/applications', {
      config,
      schema: { tags, summary: 'Every registered application, by name (never their secrets)', response: { 200: z.object({ items: z.array(applicationSchema) }) } },
      handler: async () => ({ items: await applications.list() }),
    });

    app.post('/applications', {
      config,
      schema: {
        tags,
        summary: 'Register an application: a web app or service gets its client secret in this answer, and never again',
        body: z.strictObject({
          name: field.text(200),
          kind,
          redirectUris: uris('Where the provider may send a user back after sign-in; at least one, except for a service, which has none'),
          postLogoutRedirectUris: uris('Where the provider may send a user back after signing out').optional(),
          backchannelLogoutUri: backchannelLogoutUri.optional(),
          application: catalogKey.optional(),
          scopes: scopes.optional(),
          idTokenSigningAlg: idTokenSigningAlg.optional(),
        }),
        response: {
          201: z.object({
            id: z.uuid(),
            clientId: z.string(),
            clientSecret: z.string().nullable().describe(`For web apps and services: the client secret, ${secretNote}. null for single-page and native apps, which use PKCE instead`),
          }),
        },
      },
      handler: async (request, reply) => reply.status(201).send(await applications.create(request.body, auditActorOf(request))),
    });

    app.get('/applications/:id', {
      config,
      schema: { tags, summary: 'View an application (never its secret)', params: field.idParams, response: { 200: applicationSchema } },
      handler: async (request) => applications.get(request.params.id),
    });

    app.patch('/applications/:id', {
      config,
      schema: {
        tags,
        summary: 'Change any of an application’s fields but its kind; null clears the back-channel logout URI or the catalog application',
        params: field.idParams,
        body: z.strictObject({
          kind: field.immutable('The kind'),
          name: field.text(200).optional(),
          redirectUris: uris('Where the provider may send a user back after sign-in').optional(),
          postLogoutRedirectUris: uris('Where the provider may send a user back after signing out').optional(),
          backchannelLogoutUri: backchannelLogoutUri.nullable().optional(),
          application: catalogKey.nullable().optional(),
          scopes: scopes.optional(),
          idTokenSigningAlg: idTokenSigningAlg.optional(),
        }),
        response: { 200: applicationSchema },
      },
      handler: async (request) => {
        const { kind: _kind, ...changes } = request.body;
        return applications.update(request.params.id, changes, auditActorOf(request));
      },
    });

    app.delete('/applications/:id', {
      config,
      schema: { tags, summary: 'Delete an application: it can sign no one in from the next request on', params: field.idParams, response: { 204: z.null() } },
      handler: async (request, reply) => {
        await applications.remove(request.params.id, auditActorOf(request));
        return reply.status(204).send(null);
      },
    });

    app.post('/applications/:id/rotate-secret', {
      config,
      schema: {
        tags,
        summary: 'Give a web app or service a new client secret; the old one is refused at once. 409 for single-page and native apps, which have none',
        params: field.idParams,
        response: {
          200: z.object({ clientId: z.string(), clientSecret: z.string().describe(`The new client secret, ${secretNote}`) }),
          409: problemDocument,
        },
      },
      handler: async (request) => applications.rotateSecret(request.params.id, auditActorOf(request)),
    });
  };
}
