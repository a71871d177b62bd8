import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../db/errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { accessOf } from './actor.ts';
import { preferredLanguage } from './language.ts';
import { invalidFieldsDetail, Problem, problemDocument, type Text } from './problems.ts';
import { addSecurityHeaders } from './security-headers.ts';
import { fieldErrorsOf } from './validation.ts';

export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface HttpServerOptions {
  logger: Logger;
  metrics: Metrics;
  publicUrl: string;
  version: string;
  trustProxy: boolean | number | string;
  /** The built console, served at / with every unknown page answered by its index.html. */
  consoleDir: string | null;
  /**
   * Protocols under a path prefix that answer errors in their own format (SCIM), even the errors
   * raised before routing, which no plugin's error handler sees.
   */
  ownErrorFormats?: { prefix: string; answer: (status: number, detail: string) => { contentType: string; body: unknown } }[];
}

/** The console's index.html, read again when a rebuild changed it, so its asset names stay current. */
function consolePage(file: string): () => Buffer {
  let page = { mtime: 0, content: Buffer.alloc(0) };
  return () => {
    const mtime = statSync(file).mtimeMs;
    if (mtime !== page.mtime) page = { mtime, content: readFileSync(file) };
    return page.content;
  };
}

/** Paths that belong to the API and tools: never answered with the console's page. */
const NOT_CONSOLE = /^\/(api|operator\/v1|docs|openapi\.json|metrics|healthz|readyz)(\/|$|\?)/;

const BODY_LIMIT = 64 * 1024;
/** Sign-in routes: throttled (429), and they answer wrong credentials (401). The OAuth token endpoint declares its own. */
const SIGN_IN = /^\/api\/v1\/auth\/(login|second-factor(\/resend)?|password-reset)$/;

interface RouteSchema {
  hide?: boolean;
  params?: unknown;
  querystring?: unknown;
  body?: unknown;
  response?: Record<string | number, unknown>;
}

/**
 * The error answers a route may give, from what it declares: who may call it, its method, params,
 * query and body. Added once here, so the OpenAPI document lists every error of every route.
 */
function errorStatusesOf(route: { url: string; method: string | string[]; schema?: RouteSchema; config?: unknown }): number[] {
  const schema = route.schema ?? {};
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const statuses = new Set<number>();
  if (accessOf(route.config as { access?: never }) !== 'public') [401, 403].forEach((status) => statuses.add(status));
  // Unsafe methods: a cross-site request or a missing CSRF token (403), a body too large or not JSON.
  if (methods.some((method) => UNSAFE_METHODS.has(method))) [403, 413, 415].forEach((status) => statuses.add(status));
  if (schema.params !== undefined) [404, 422].forEach((status) => statuses.add(status));
  if (schema.body !== undefined || schema.querystring !== undefined) statuses.add(422);
  const query = schema.querystring as { shape?: Record<string, unknown> } | undefined;
  if (query?.shape?.cursor !== undefined) statuses.add(400);
  if (SIGN_IN.test(route.url)) [401, 429].forEach((status) => statuses.add(status));
  return [...statuses].sort();
}
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A body limit as people read it: 64 KiB, 10 MB (64 Kio, 10 Mo in French). */
const sizeOf = (bytes: number, language: 'en' | 'fr' = 'en') =>
  bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} ${language === 'fr' ? 'Mo' : 'MB'}` : `${Math.round(bytes / 1024)} ${language === 'fr' ? 'Kio' : 'KiB'}`;
const SEND_JSON: Text = { en: 'Send application/json', fr: 'Envoyez du application/json' };
const invalidJson = () =>
  new Problem('validation_failed', { en: 'The body is not valid JSON', fr: "Le corps n'est pas du JSON valide" }, { errors: [{ field: 'body', code: 'invalid_json', message: 'is not valid JSON' }] });

function problemOf(error: FastifyError, bodyLimit = BODY_LIMIT): Problem {
  if (error instanceof Problem) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = fieldErrorsOf(error.validation, error.validationContext);
    return new Problem('validation_failed', { en: errors.map((e) => `${e.field} ${e.message}`).join('; '), fr: invalidFieldsDetail(errors).fr }, { errors });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem('payload_too_large', { en: `The body may hold at most ${sizeOf(bodyLimit)}`, fr: `Le corps peut contenir au plus ${sizeOf(bodyLimit, 'fr')}` });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem('unsupported_media_type', SEND_JSON);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidJson();
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return invalidJson();
  }
  // A lost or refused database connection is an outage the client may wait out, not a bug.
  if (isDatabaseUnavailable(error)) return new Problem('database_unavailable', { en: 'The database cannot be reached; try again shortly', fr: 'La base de données est injoignable ; réessayez dans un instant' }, { retryAfterSeconds: 1 });
  return new Problem('internal_error');
}

/**
 * A problem answered in the language the request prefers; the answer says it varies with
 * Accept-Language, so that no cache gives one reader's language to another.
 */
function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem) {
  const vary = reply.getHeader('vary');
  void reply.header('vary', vary === undefined || vary === '' ? 'Accept-Language' : `${String(vary)}, Accept-Language`);
  return reply.status(problem.status).type('application/problem+json').send(problem.toBody(preferredLanguage(request.headers['accept-language'])));
}

/** The HTTP server with everything every feature relies on: schemas, errors, cookies, OpenAPI, metrics. */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // A number of hops is the first that many proxies in front of us.
    trustProxy: typeof options.trustProxy === 'number' ? (_address: string, hop: number) => hop < (options.trustProxy as number) : options.trustProxy,
    // One line per request at info would drown the log under decision traffic; failures are logged.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Errors raised before routing skip the error handler: they are problems too. A path that is not
    // valid percent-encoding (e.g. %ED%A0%80, a lone surrogate) or holds a parameter longer than the
    // router takes names no resource.
    frameworkErrors: (error, request, reply) => {
      const problem = (error.statusCode ?? 500) < 500 ? new Problem('not_found', { en: 'No resource has this path', fr: "Aucune ressource n'a ce chemin" }) : problemOf(error);
      if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
      const own = options.ownErrorFormats?.find((format) => request.url.startsWith(format.prefix))?.answer(problem.status, problem.detail ?? problem.message);
      if (own !== undefined) return void (reply as FastifyReply).status(problem.status).type(own.contentType).send(JSON.stringify(own.body));
      void sendProblem(request, reply as FastifyReply, problem);
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Every route's error answers join its response schema (what it declares itself wins).
  app.addHook('onRoute', (route) => {
    const schema = route.schema as RouteSchema | undefined;
    if (schema === undefined || schema.hide === true) return;
    const response = { ...schema.response };
    for (const status of errorStatusesOf({ url: route.url, method: route.method, schema, config: route.config })) {
      if (response[status] === undefined && response[String(status)] === undefined) response[status] = problemDocument;
    }
    route.schema = { ...route.schema, response };
  });

  // Security headers on every answer, errors and 404s included, so registered before any hook that
  // may refuse a request.
  const https = new URL(options.publicUrl).protocol === 'https:';
  addSecurityHeaders(app, { https });
  // Answers of the API carry account data and secrets: no cache keeps them, errors included.
  app.addHook('onRequest', async (request, reply) => {
    if (/^\/(api|operator)\//.test(request.url)) void reply.header('cache-control', 'no-store');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A route may take larger bodies than the default (the users import): its own limit is said.
    const problem = problemOf(error, request.routeOptions.bodyLimit);
    if (problem.status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    const retryAfter = problem.extensions.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(Math.ceil(retryAfter)));
    return sendProblem(request, reply, problem);
  });
  const consoleIndex = options.consoleDir === null ? null : consolePage(path.join(options.consoleDir, 'index.html'));
  app.setNotFoundHandler((request, reply) => {
    if (consoleIndex !== null && request.method === 'GET' && !NOT_CONSOLE.test(request.url)) {
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(consoleIndex());
    }
    const problem = new Problem('not_found', { en: `No route ${request.method} ${request.url.split('?')[0]}`, fr: `Aucune route ${request.method} ${request.url.split('?')[0]}` });
    return sendProblem(request, reply, problem);
  });

  // While draining on shutdown, answers close their connection, so a keep-alive client does not hold
  // the process open after its request in flight is answered.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });

  app.addHook('onResponse', async (request, reply) => {
    options.metrics.httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (reply.statusCode >= 500 || request.routeOptions.url === undefined) return;
    request.log.debug({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  // Bodiless POSTs (deactivate, activate, reset) are welcome even when sent as JSON.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(invalidJson(), undefined);
    }
  });

  // OAuth2 token requests are sent as forms (RFC 6749 §4.4.2); every other route takes JSON only, so
  // a form another site posts (a login CSRF) is refused before it is read. A route takes forms by
  // declaring them in its schema's `consumes`.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (!request.routeOptions.schema?.consumes?.includes('application/x-www-form-urlencoded')) {
      return done(new Problem('unsupported_media_type', SEND_JSON), undefined);
    }
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // text/plain is what a cross-site form or beacon can send without asking: not taken either.
  app.removeContentTypeParser('text/plain');
  // CSV files (the users import) likewise only where a route declares them in `consumes`, as raw
  // bytes up to the route's bodyLimit (a larger declared Content-Length is refused before reading).
  app.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (request, body, done) => {
    if (!request.routeOptions.schema?.consumes?.includes('text/csv')) return done(new Problem('unsupported_media_type', SEND_JSON), undefined);
    done(null, body);
  });

  // State-changing requests from another site are refused, whatever they carry (cookies included):
  // the browser's Sec-Fetch-Site or Origin says where the page that sent them came from. Callers
  // that send no Origin (curl, services) are not browsers and pass.
  const ownOrigin = new URL(options.publicUrl).origin;
  app.addHook('onRequest', async (request) => {
    if (!UNSAFE_METHODS.has(request.method) || request.routeOptions.config.protocolEndpoint === true) return;
    if (request.headers['sec-fetch-site'] === 'cross-site') throw new Problem('cross_site_request');
    const origin = request.headers.origin;
    if (origin === undefined || origin === ownOrigin) return;
    // The request's own host too: the console may be reached by another name (Vite's dev proxy
    // keeps the browser's Host), and a page of that host is the console itself.
    if (URL.canParse(origin) && new URL(origin).host === request.headers.host) return;
    throw new Problem('cross_site_request');
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse API',
        version: options.version,
        description:
          'User and access management for multi-tenant B2B SaaS platforms. Every refusal is an RFC 9457 problem document (application/problem+json) with a stable `code`; its `title` and `detail` are in the language the request prefers by its Accept-Language header (English or French; English otherwise), its code and field errors the same in every language.',
      },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'gatehouse_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
    // Schemas with an id (the Problem document) become components, referred to by every route.
    transformObject: jsonSchemaTransformObject,
  });
  // The reference pages and the console's files are public; plugins cannot declare it on their
  // routes, so their scope does.
  await app.register(async (publicFiles) => {
    publicFiles.addHook('onRoute', (route) => {
      // The reference page sends its own policy (below) instead of the console's: one policy per answer.
      const ownPolicy = route.url.startsWith('/docs') ? { ownContentSecurityPolicy: true } : {};
      route.config = { ...route.config, access: 'public', ...ownPolicy };
    });
    // Swagger UI's policy, its inline styles allowed by their hashes; never framed either.
    await publicFiles.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      transformStaticCSP: (header) => {
        const framed = header.replace("frame-ancestors 'self'", "frame-ancestors 'none'");
        return https ? framed : framed.replace(/\s*upgrade-insecure-requests;?/, '');
      },
    });
    if (options.consoleDir !== null) {
      // Hashed assets may be cached for good; index.html is served by the not-found handler above.
      await publicFiles.register(fastifyStatic, { root: options.consoleDir, index: false, wildcard: true, maxAge: '1y', immutable: true, schemaHide: true });
      // The console's own page at its root (the static files would answer a directory listing refusal).
      publicFiles.get('/', { schema: { hide: true } }, (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(consoleIndex?.()));
    }
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());

  return app;
}
