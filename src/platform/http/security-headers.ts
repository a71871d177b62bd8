import helmet from 'helmet';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route sends its own Content-Security-Policy (the API reference pages); the other headers still apply. */
    ownContentSecurityPolicy?: boolean;
  }
}

/**
 * Security headers on every answer, errors and 404s included (register it before any hook that may
 * refuse a request): a strict policy for the console, which runs no inline script and is never
 * framed; HSTS only where the public URL is https (sent over plain http it would lock a local set-up
 * out).
 *
 * helmet itself, not its Fastify wrapper: @fastify/helmet builds helmet's middlewares again, and parses
 * the policy again, for every request (about 17 µs here, a sixth of a decision's whole cost); these
 * are built once.
 */
export function addSecurityHeaders(app: FastifyInstance, options: { https: boolean }): void {
  const common = {
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    strictTransportSecurity: options.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  } as const;
  const withPolicy = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(options.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
  });
  const withoutPolicy = helmet({ ...common, contentSecurityPolicy: false });
  // helmet sets the headers on the raw answer and calls on at once (it throws rather than pass an error).
  app.addHook('onRequest', (request, reply, done) => {
    const headers = request.routeOptions.config.ownContentSecurityPolicy === true ? withoutPolicy : withPolicy;
    headers(request.raw, reply.raw, () => done());
  });
}
