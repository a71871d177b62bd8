import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import { listUsersQuery } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import type { Importer, UserImportService } from './service.ts';

// CSV export and import of users, beside the users app: /api/v1/users/export and /api/v1/users/import.

const tags = ['Users'];
const requires = (step: string) => ({ access: 'user' as const, requires: `licence-configuration.users.${step}` });

/** A file of 10 MB holds some 100,000 users; beyond it the server refuses it without reading it all. */
export const IMPORT_LIMIT_BYTES = 10 * 1024 * 1024;

/** The export follows the users list: the same tab (status) and search, all pages. */
const exportQuery = listUsersQuery.omit({ limit: true, cursor: true });

const importQuery = z.strictObject({
  dryRun: z.stringbool().default(true).describe('true (the default): report what would happen and change nothing; false: import every row, or none'),
});

const fieldErrorSchema = z.object({ field: z.string(), code: z.string(), message: z.string() });
const reportSchema = z.object({
  rows: z.array(
    z.object({
      line: z.number().int().describe('The line of the file, the header being line 1'),
      login: z.string(),
      outcome: z.enum(['create', 'refused']),
      errors: z.array(fieldErrorSchema).describe('Why the row is refused: the column (`field`, or `row` for the seat limit), a stable code and an English message'),
    }),
  ),
  summary: z.object({ create: z.number().int(), refused: z.number().int() }),
});

/** The CSV file, as the server's text/csv parser hands it over (raw bytes: the import checks the encoding). */
const csvBody = z.custom<Buffer>((value) => Buffer.isBuffer(value), { message: 'must be a CSV file sent as text/csv' }).meta({
  type: 'string',
  description:
    'UTF-8 CSV (a byte order mark is welcome), `,` or `;` separated, with a header row naming the columns login, firstName, lastName, email, mobile, language, gender, configuration (key or name), entityGroup (name), defaultEntity (code). At most 10 MB.',
});

export function userImportRoutes(imports: UserImportService, users: UsersService): FastifyPluginAsyncZod {
  return async (app) => {
    const importer = (request: Parameters<typeof userActor>[0]): Importer => ({ caller: users.ceilings.callerOf(userActor(request)), audit: auditActorOf(request) });

    app.get('/users/export', {
      config: requires('view'),
      schema: {
        tags,
        summary: 'Export the users of a list (tab and search) as CSV, in the columns the import takes',
        querystring: exportQuery,
        // The answer is a text/csv stream, never serialised: this schema only documents it. (Declaring
        // `produces: text/csv` would list the error answers, which are problems, as CSV too.)
        response: { 200: z.any().describe('A text/csv; charset=utf-8 attachment with a byte order mark: the header row, then one user per row') },
      },
      handler: (request, reply) => {
        const actor = userActor(request);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="users-${request.query.status}.csv"`)
          .send(imports.exportCsv(actor.licenceId, request.query));
      },
    });

    app.post('/users/import', {
      config: requires('create'),
      bodyLimit: IMPORT_LIMIT_BYTES,
      schema: {
        tags,
        summary: 'Import users from a CSV file: a dry run reports each row; then every row is created, or none',
        consumes: ['text/csv'],
        querystring: importQuery,
        body: csvBody,
        response: {
          200: reportSchema.describe('The dry run: what each row would do'),
          201: reportSchema.extend({ created: z.number().int() }).describe('Every row was created; welcome e-mails are on their way'),
        },
      },
      handler: async (request, reply) => {
        const licenceId = userActor(request).licenceId;
        if (request.query.dryRun) return reply.status(200).send(await imports.dryRun(licenceId, request.body, importer(request)));
        return reply.status(201).send(await imports.apply(licenceId, request.body, importer(request)));
      },
    });
  };
}
