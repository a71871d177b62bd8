import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Catalog } from '../../core/catalog.ts';
import { auditActorOf } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import type { CatalogService } from './service.ts';

const name = z.strictObject({ en: field.text(200), fr: field.text(200) });
const tags = z.array(field.text(50, { trim: false })).max(20);
const key = field.text(200, { trim: false });
const catalogSchema = z.strictObject({
  categories: z
    .array(
      z.strictObject({
        key,
        name,
        tags,
        applications: z.array(z.strictObject({ key, name, tags, steps: z.array(z.strictObject({ key, name, tags })).max(100) })).max(100),
      }),
    )
    .max(100),
});

export function operatorCatalogRoutes(catalog: CatalogService): FastifyPluginAsyncZod {
  return async (app) => {
    const config = { access: 'operator' as const };
    app.get('/catalog', {
      config,
      schema: { tags: ['Operator: catalog'], summary: 'The permission catalog in force', response: { 200: catalogSchema } },
      handler: async () => (await catalog.current()).source,
    });
    app.put('/catalog', {
      config,
      schema: {
        tags: ['Operator: catalog'],
        summary: 'Release a new catalog: standard configurations take new applications at once, custom ones do not',
        body: catalogSchema,
        response: { 200: catalogSchema },
      },
      handler: async (request) => (await catalog.release(request.body as Catalog, auditActorOf(request))).source,
    });
  };
}
