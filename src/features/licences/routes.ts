import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import { userSchema } from '../users/schemas.ts';
import { proofIn, stepUpFields, type StepUp } from '../auth/step-up.ts';
import type { LicencesService } from './service.ts';

const licenceSchema = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  seatLimit: z.number().int(),
  seatsUsed: z.number().int(),
  twoFactor: z.boolean(),
  applications: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const applications = z.array(z.string().max(200)).max(1000);
const seatLimit = z.number().int().min(1).max(1_000_000);
export const licenceCodeParams = z.strictObject({ code: field.licenceCode });

/** Operators set licences up: /operator/v1/licences. */
export function operatorLicenceRoutes(licences: LicencesService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Operator: licences'];
    const config = { access: 'operator' as const };

    app.post('/licences', {
      config,
      schema: {
        tags,
        summary: 'Create a licence with its entity "main", the support account and its first admin',
        body: z.strictObject({
          code: field.licenceCode,
          name: field.text(200),
          seatLimit,
          twoFactor: z.boolean().optional(),
          applications: applications.optional(),
          admin: z.strictObject({
            login: field.login,
            firstName: field.text(100),
            lastName: field.text(100),
            email: field.email,
            language: field.language,
            mobile: field.mobile.optional(),
            gender: field.gender.optional(),
          }),
        }),
        response: { 201: z.object({ licence: licenceSchema, admin: userSchema }) },
      },
      handler: async (request, reply) => {
        const { licence, admin } = await licences.create(request.body, auditActorOf(request));
        return reply.status(201).send({ licence, admin });
      },
    });

    app.get('/licences', {
      config,
      schema: { tags, summary: 'List licences by code', querystring: z.strictObject(field.listQuery), response: { 200: field.page(licenceSchema) } },
      handler: (request) => licences.list(request.query),
    });

    app.get('/licences/:code', {
      config,
      schema: { tags, summary: 'View a licence', params: licenceCodeParams, response: { 200: licenceSchema } },
      handler: async (request) => licences.present(await licences.byCode(request.params.code)),
    });

    app.patch('/licences/:code', {
      config,
      schema: {
        tags,
        summary: "Change a licence's name, seat limit, subscribed applications or two-factor switch",
        params: licenceCodeParams,
        body: z.strictObject({ code: field.immutable('The code'), name: field.text(200).optional(), seatLimit: seatLimit.optional(), twoFactor: z.boolean().optional(), applications: applications.optional() }),
        response: { 200: licenceSchema },
      },
      handler: async (request) => {
        const { code: _code, ...changes } = request.body;
        return licences.update((await licences.byCode(request.params.code)).id, changes, auditActorOf(request));
      },
    });
  };
}

/** The signed-in user's own licence: /api/v1/licence. */
export function licenceRoutes(licences: LicencesService, stepUp: StepUp): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Licence'];
    const answer = licenceSchema.pick({ code: true, name: true, seatLimit: true, seatsUsed: true, twoFactor: true, applications: true });

    app.get('/licence', {
      config: { access: 'user' },
      schema: { tags, summary: 'The licence of the signed-in user, with its seats', response: { 200: answer } },
      handler: async (request) => licences.present(await licences.byId(userActor(request).licenceId)),
    });

    app.patch('/licence', {
      config: { access: 'user', requires: 'licence-configuration.two-factor.edit' },
      schema: {
        tags,
        summary: 'Turn two-factor sign-in on or off for the licence (off: confirm with my current password)',
        body: z.strictObject({ twoFactor: z.boolean(), ...stepUpFields }),
        response: { 200: answer },
      },
      handler: (request) => {
        const actor = userActor(request);
        return licences.update(actor.licenceId, { twoFactor: request.body.twoFactor }, auditActorOf(request), { stepUp: () => stepUp.verify(actor, proofIn(request.body)) });
      },
    });
  };
}
