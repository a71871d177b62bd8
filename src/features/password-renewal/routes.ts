import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_SECRET_MAX_AGE_DAYS, REMINDER_DAYS, RENEWAL_MONTHS } from '../../core/password-renewal.ts';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import type { PasswordRenewalService } from './service.ts';

const months = z.number().int().min(RENEWAL_MONTHS.min).max(RENEWAL_MONTHS.max).nullable().describe('A new password every this many months (1 to 24); null: renewal off');
const reminderDays = z.number().int().min(REMINDER_DAYS.min).max(REMINDER_DAYS.max).describe('The reminder e-mail goes out this many days before the date (1 to 60; 7 by default)');
const apiSecretMaxAgeDays = z
  .number()
  .int()
  .min(API_SECRET_MAX_AGE_DAYS.min)
  .max(API_SECRET_MAX_AGE_DAYS.max)
  .nullable()
  .describe("API account secrets stop obtaining tokens this many days after they were issued (30 to 730), the holder reminded reminderDays before; null: they never expire");

const settings = z.object({ months, reminderDays, apiSecretMaxAgeDays });

/** The licence's password renewal policy: /api/v1/licence/password-renewal. */
export function passwordRenewalRoutes(renewal: PasswordRenewalService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Licence'];

    app.get('/licence/password-renewal', {
      config: { access: 'user', requires: 'licence-configuration.two-factor.view' },
      schema: { tags, summary: "The licence's password renewal policy", response: { 200: settings } },
      handler: (request) => renewal.get(userActor(request).licenceId),
    });

    app.put('/licence/password-renewal', {
      config: { access: 'user', requires: 'licence-configuration.two-factor.edit' },
      schema: {
        tags,
        summary: 'Ask for a new password every N months (null: never), with a reminder some days before; internal accounts and API accounts are not subject to it',
        body: z.strictObject({ months, reminderDays, apiSecretMaxAgeDays: apiSecretMaxAgeDays.optional().describe('Left as it is when absent') }),
        response: { 200: settings },
      },
      handler: (request) => renewal.update(userActor(request).licenceId, request.body, auditActorOf(request)),
    });
  };
}
