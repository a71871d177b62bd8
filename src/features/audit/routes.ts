import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userActor } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import type { LicencesService } from '../licences/service.ts';
import type { AuditService } from './service.ts';

const eventSchema = z.object({
  id: z.uuid(),
  at: z.string(),
  licence: z.string().nullable(),
  actor: z.object({
    kind: z.enum(['user', 'operator', 'support']),
    id: z.string().nullable(),
    /** As recorded: the user's login, the operator token's name, or the support visit's operator and ticket. */
    name: z.string(),
    /** For a support visit, the operator who came, by their own name; null otherwise. */
    operator: z.string().nullable(),
    /** For a support visit, its ticket; null otherwise. */
    ticket: z.string().nullable(),
  }),
  action: z.string(),
  target: z.object({ kind: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  ip: z.string().nullable(),
});
const labelSchema = z.object({
  kind: z.enum(['user', 'api_account', 'rights_configuration', 'entity_group', 'entity', 'application']),
  name: z.string(),
  names: z.object({ en: z.string(), fr: z.string() }).optional().describe("An application's name in each language"),
  detail: z.string().optional(),
  key: z.string().optional(),
});
/** A page of events, with the current names of the ids they mention; an id absent from `labels` is deleted. */
const eventPage = field.page(eventSchema).extend({ labels: z.record(z.string(), labelSchema) });
const filters = {
  actor: field.text(200, { min: 0 }).optional().describe("Who acted: a user's id, login or full name, an operator token's name, or a support visit's name"),
  target: field.text(200, { min: 0 }).optional(),
  action: field.text(100, { min: 0 }).optional(),
  from: field.timestamp.optional(),
  to: field.timestamp.optional(),
  ...field.listQuery,
};
const tags = ['Audit trail'];

export function auditRoutes(audit: AuditService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/audit-events', {
      config: { access: 'user', requires: 'licence-configuration.audit-trail.view' },
      schema: { tags, summary: "Changes made in the licence by its admins, the vendor's operators and support, newest first", querystring: z.strictObject(filters), response: { 200: eventPage } },
      handler: (request) => audit.list(userActor(request).licenceId, request.query),
    });
  };
}

export function operatorAuditRoutes(audit: AuditService, licences: LicencesService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/audit-events', {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Every change, of one licence or all; newest first',
        querystring: z.strictObject({ licence: field.licenceCode.optional(), ...filters }),
        response: { 200: eventPage },
      },
      handler: async (request) => {
        const { licence, ...query } = request.query;
        return audit.list(licence === undefined ? undefined : (await licences.byCode(licence)).id, query);
      },
    });
  };
}
