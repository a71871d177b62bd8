import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userActor } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import { DECISIONS, type Decision } from '../../core/decision.ts';
import type { AuthorizationService } from './service.ts';

const REASONS = ['ok', 'unknown_user', 'inactive_user', 'unknown_permission', 'not_in_configuration', 'application_not_subscribed', 'entity_not_in_group'] as const;
const decisionSchema = z.object({ allowed: z.boolean(), reason: z.enum(REASONS) });

// Decisions are answered thousands of times a second: their JSON is written once per reason and the
// answers are joined as text, instead of being checked against the schema and serialized each time.
const DECISION_JSON = new Map(Object.values(DECISIONS).map((decision) => [decision, JSON.stringify(decision)]));
const decisionJson = (decision: Decision) => DECISION_JSON.get(decision) ?? JSON.stringify(decision);

/** Sends JSON already written: Fastify passes a string through untouched (the schema still documents it). */
const sendJsonText = (reply: FastifyReply, json: string) => reply.type('application/json; charset=utf-8').send(json as never);
// Unknown permissions and entities are answers (allowed: false with a reason), not errors. The bodies'
// schemas are compiled (z.compile): a valid body is checked by generated code, several times faster
// on a batch of checks; a bad one goes through the schema as usual, which names what is wrong.
const permission = z.string().min(1).max(200);
const entity = z.string().min(1).max(100).optional();
export const MAX_CHECKS = 1000;

const checkBody = z.compile(z.strictObject({ permission, entity }));
const checksBody = z.compile(
  z.strictObject({
    checks: z
      .array(
        z
          .strictObject({ licence: field.licenceCode, userId: field.id.optional(), login: z.string().min(1).max(64).optional(), permission, entity })
          .refine((check) => (check.userId === undefined) !== (check.login === undefined), { message: 'name the user by userId or by login, not both', params: { code: 'user_required' } }),
      )
      .min(1)
      .max(MAX_CHECKS),
  }),
);

export function authorizationRoutes(authorization: AuthorizationService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/authorize', {
      config: { access: 'user' },
      schema: {
        tags: ['Decisions'],
        summary: 'May I do this, on this entity? (the caller: a session or an API account)',
        body: checkBody,
        response: { 200: decisionSchema },
      },
      handler: async (request, reply) =>
        sendJsonText(reply, decisionJson(await authorization.forCaller(userActor(request), request.body.permission, request.body.entity))),
    });

    app.get('/me/permissions', {
      config: { access: 'user' },
      schema: {
        tags: ['My account'],
        summary: 'The applications I may use and their steps: what menus show',
        response: { 200: z.object({ applications: z.array(z.object({ key: z.string(), name: z.string(), category: z.string(), steps: z.array(z.string()) })) }) },
      },
      handler: (request) => authorization.menus(userActor(request)),
    });
  };
}

export function operatorAuthorizationRoutes(authorization: AuthorizationService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/authorize', {
      // A service that only asks for decisions holds decisions:read, not every operator right.
      config: { access: 'operator', scope: 'decisions:read' },
      // A full batch of checks is larger than the 64 KiB other bodies are held to.
      bodyLimit: 1024 * 1024,
      schema: {
        tags: ['Decisions'],
        summary: `May these users do these things? Up to ${MAX_CHECKS} checks, answered in order`,
        body: checksBody,
        response: { 200: z.object({ results: z.array(decisionSchema) }) },
      },
      handler: async (request, reply) => {
        const results = await authorization.check(request.body.checks);
        return sendJsonText(reply, `{"results":[${results.map(decisionJson).join(',')}]}`);
      },
    });
  };
}
