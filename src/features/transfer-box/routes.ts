import type { FastifyError } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf, operatorActor, userActor } from '../../platform/http/authenticate.ts';
import { Problem } from '../../platform/http/problems.ts';
import * as field from '../../platform/http/schemas.ts';
import { licenceCodeParams } from '../licences/routes.ts';
import type { LicencesService } from '../licences/service.ts';
import type { TransferBoxService } from './service.ts';

// Transfer Box over HTTP: a user's inbox (/api/v1/transfer-box), sends between users of a licence,
// the admins' record of reads, and the operators' sends (/operator/v1/licences/{code}/transfer-box).

const tags = ['Transfer Box'];

/** Base64 of up to 10 MiB is about 13.4 MiB; the rest of the API keeps the server's 64 KiB limit. */
const SEND_BODY_LIMIT = 15 * 1024 * 1024;

/** The server's answer to an oversize body names its own limit; these routes say theirs. Other errors pass on. */
function sendLimitErrorHandler(error: FastifyError): never {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new Problem('payload_too_large', { en: `The body may hold at most ${SEND_BODY_LIMIT / 1024 / 1024} MiB`, fr: `Le corps peut contenir au plus ${SEND_BODY_LIMIT / 1024 / 1024} Mio` });
  throw error;
}

const itemSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  from: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  readAt: z.string().nullable(),
  size: z.number().int(),
  contentType: z.string(),
});
const sentItemSchema = itemSchema.extend({ recipientId: z.uuid() });

/** A file name shown to the recipient and offered when saving: no folders, no control characters. */
const itemName = field
  .text(200)
  .refine((name) => !/[/\\]/.test(name) && name !== '.' && name !== '..', { message: 'must be a file name, without / or \\', params: { code: 'invalid_format' } });
const contentType = z
  .string()
  .trim()
  .max(200)
  .regex(/^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"\p{Cc}]*"|[\w!#$&^.+-]+))*$/u, { message: 'must be a media type, e.g. application/pdf' });
const content = z.string().min(1).describe('The file, base64-encoded; 1 byte to 10 MiB once decoded');
const parcel = { name: itemName, contentType: contentType.optional(), content };

const listQuery = z.strictObject(field.listQuery);

/** RFC 6266: an ASCII fallback for old clients and the exact name in UTF-8 for the others. */
function attachment(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

export function transferBoxRoutes(transferBox: TransferBoxService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/transfer-box', {
      config: { access: 'user', requires: 'transfer-box.inbox.read' },
      schema: { tags, summary: 'My unexpired items, newest first', querystring: listQuery, response: { 200: field.page(itemSchema) } },
      handler: (request) => {
        const actor = userActor(request);
        return transferBox.inbox(actor.licenceId, actor.userId, request.query);
      },
    });

    app.post('/transfer-box', {
      config: { access: 'user', requires: 'transfer-box.inbox.send' },
      bodyLimit: SEND_BODY_LIMIT,
      errorHandler: sendLimitErrorHandler,
      schema: {
        tags,
        summary: 'Send a file to an active user of my licence',
        body: z.strictObject({ recipientId: field.id, ...parcel }),
        response: { 201: sentItemSchema },
      },
      handler: async (request, reply) => {
        const actor = userActor(request);
        const { recipientId, ...rest } = request.body;
        return reply.status(201).send(await transferBox.sendAsUser(actor.licenceId, actor.userId, { recipient: { id: recipientId }, ...rest }, auditActorOf(request)));
      },
    });

    app.get('/transfer-box/reads', {
      config: { access: 'user', requires: 'licence-configuration.audit-trail.view' },
      schema: {
        tags,
        summary: 'Every read of a Transfer Box item in the licence, newest first',
        querystring: listQuery,
        response: { 200: field.page(z.object({ itemId: z.uuid(), name: z.string(), recipient: z.string(), from: z.string(), readAt: z.string() })) },
      },
      handler: (request) => transferBox.reads(userActor(request).licenceId, request.query),
    });

    app.get('/transfer-box/:id/content', {
      config: { access: 'user', requires: 'transfer-box.inbox.read' },
      schema: { tags, summary: "An item's content, as a download; only its recipient may read it, and the read is recorded", params: field.idParams },
      handler: async (request, reply) => {
        const actor = userActor(request);
        const item = await transferBox.read(actor.licenceId, actor.userId, request.params.id, auditActorOf(request));
        return reply
          .header('content-type', item.contentType)
          .header('content-disposition', attachment(item.name))
          .header('cache-control', 'no-store')
          // The content is the sender's: never sniffed, and never run as a page of ours if opened.
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "sandbox; default-src 'none'")
          .send(item.content);
      },
    });
  };
}

export function operatorTransferBoxRoutes(transferBox: TransferBoxService, licences: LicencesService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/licences/:code/transfer-box', {
      config: { access: 'operator' },
      bodyLimit: SEND_BODY_LIMIT,
      errorHandler: sendLimitErrorHandler,
      schema: {
        tags: ['Operator: Transfer Box'],
        summary: "Send a file to an active user of a licence, named by id or login",
        params: licenceCodeParams,
        body: z
          .strictObject({ recipientId: field.id.optional(), recipientLogin: field.login.optional(), from: field.text(100).optional(), ...parcel })
          .superRefine((body, issues) => {
            if ((body.recipientId === undefined) === (body.recipientLogin === undefined)) {
              issues.addIssue({ code: 'custom', path: ['recipientId'], message: 'name the recipient by recipientId or by recipientLogin, not both', params: { code: 'required' } });
            }
          }),
        response: { 201: sentItemSchema },
      },
      handler: async (request, reply) => {
        const licence = await licences.byCode(request.params.code);
        const { recipientId, recipientLogin, ...rest } = request.body;
        const recipient = recipientId !== undefined ? { id: recipientId } : { login: recipientLogin ?? '' };
        return reply.status(201).send(await transferBox.sendAsOperator(licence.id, { recipient, ...rest }, operatorActor(request), auditActorOf(request)));
      },
    });
  };
}
