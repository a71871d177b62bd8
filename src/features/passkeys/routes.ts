import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { auditActorOf, userActor } from '../../platform/http/authenticate.ts';
import * as field from '../../platform/http/schemas.ts';
import { setSessionCookie, signedIn } from '../auth/routes.ts';
import { proofIn, stepUpFields } from '../auth/step-up.ts';
import type { PasskeysService } from './service.ts';

// Passkeys: enrolled from My account (/me/passkeys), used on the sign-in page (/auth/passkey), the
// licence's policy (/licence/passkey-policy), and an administrator's removal for a lost device.

/** base64url as WebAuthn JSON carries binary fields; bounded against abuse, never decoded here. */
const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]*={0,2}$/, { message: 'must be base64url' });
const clientExtensionResults = z.looseObject({}).describe('The browser’s extension outputs, as it gave them');

/** What @simplewebauthn/browser's startRegistration() answers. */
const registrationResponse = z
  .looseObject({
    id: base64url(1400),
    rawId: base64url(1400),
    type: z.literal('public-key'),
    response: z.looseObject({ clientDataJSON: base64url(8192), attestationObject: base64url(65536), transports: z.array(z.string().max(32)).max(10).optional() }),
    clientExtensionResults,
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  })
  .describe('The authenticator’s answer, as startRegistration() of @simplewebauthn/browser gives it');

/** What @simplewebauthn/browser's startAuthentication() answers. */
const authenticationResponse = z
  .looseObject({
    id: base64url(1400),
    rawId: base64url(1400),
    type: z.literal('public-key'),
    response: z.looseObject({ clientDataJSON: base64url(8192), authenticatorData: base64url(8192), signature: base64url(2048), userHandle: base64url(256).optional() }),
    clientExtensionResults,
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  })
  .describe('The authenticator’s answer, as startAuthentication() of @simplewebauthn/browser gives it');

// The options for the browser, as @simplewebauthn/server makes them (PublicKeyCredential*OptionsJSON).
const descriptor = z.object({ id: z.string(), type: z.string(), transports: z.array(z.string()).optional() });
const creationOptions = z
  .object({
    rp: z.object({ id: z.string().optional(), name: z.string() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    challenge: z.string(),
    pubKeyCredParams: z.array(z.object({ alg: z.number().int(), type: z.literal('public-key') })),
    timeout: z.number().int().optional(),
    excludeCredentials: z.array(descriptor).optional(),
    authenticatorSelection: z
      .object({ authenticatorAttachment: z.string().optional(), requireResidentKey: z.boolean().optional(), residentKey: z.string().optional(), userVerification: z.string().optional() })
      .optional(),
    hints: z.array(z.string()).optional(),
    attestation: z.string().optional(),
    extensions: z.object({ credProps: z.boolean().optional() }).optional(),
  })
  .describe('PublicKeyCredentialCreationOptionsJSON, for startRegistration() of @simplewebauthn/browser');
const requestOptions = z
  .object({
    challenge: z.string(),
    timeout: z.number().int().optional(),
    rpId: z.string().optional(),
    allowCredentials: z.array(descriptor).optional().describe('Always empty: the authenticator offers the discoverable credentials it holds'),
    userVerification: z.string().optional(),
    hints: z.array(z.string()).optional(),
  })
  .describe('PublicKeyCredentialRequestOptionsJSON, for startAuthentication() of @simplewebauthn/browser');

const passkeySchema = z.object({ id: z.uuid(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), backedUp: z.boolean().describe('Synced to the holder’s other devices (a lost device does not lose it)') });
const policySchema = z.object({
  allowed: z.boolean().describe('Users may enrol passkeys and sign in with them'),
  requiredForAdmins: z.boolean().describe('Administrators (who may edit users) must hold a passkey or an authenticator app; until they do, their session serves only enrolling one'),
});

export function passkeyRoutes(passkeys: PasskeysService, options: { secureCookies: boolean }): FastifyPluginAsyncZod {
  return async (app) => {
    const mine = ['My account'];
    const client = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
    const enrolment = { access: 'console' as const, duringSecondFactorEnrolment: true };

    app.get('/me/passkeys', {
      config: enrolment,
      schema: { tags: mine, summary: 'My passkeys', response: { 200: z.object({ items: z.array(passkeySchema) }) } },
      handler: (request) => {
        const actor = userActor(request);
        return passkeys.list(actor.licenceId, actor.userId);
      },
    });

    app.post('/me/passkeys/registration-options', {
      config: enrolment,
      schema: { tags: mine, summary: 'Start enrolling a passkey: the options for the browser, valid 5 minutes', response: { 200: creationOptions } },
      handler: (request) => passkeys.registrationOptions(userActor(request)),
    });

    app.post('/me/passkeys', {
      config: enrolment,
      schema: {
        tags: mine,
        summary: 'Finish enrolling a passkey with the authenticator’s answer; 422 passkey_rejected (with a reason) when it does not hold',
        body: z.strictObject({ name: field.text(100), response: registrationResponse }),
        response: { 201: passkeySchema },
      },
      handler: async (request, reply) => reply.status(201).send(await passkeys.enrol(userActor(request), request.body)),
    });

    app.delete('/me/passkeys/:id', {
      config: { access: 'console' },
      schema: {
        tags: mine,
        summary: 'Remove one of my passkeys, confirming it with my current password (or a code from my authenticator app)',
        params: field.idParams,
        body: z.strictObject(stepUpFields).nullish(),
        response: { 204: z.null() },
      },
      handler: async (request, reply) => {
        await passkeys.remove(userActor(request), request.params.id, proofIn(request.body));
        return reply.status(204).send(null);
      },
    });

    app.post('/auth/passkey/options', {
      config: { access: 'public' },
      schema: {
        tags: ['Authentication'],
        summary: 'Start signing in with a passkey: the same answer whether or not the login exists; the challenge serves once, for 5 minutes',
        body: z.strictObject({ licence: field.text(40, { trim: false }), login: field.text(64, { trim: false }).optional().describe('When typed, only this account’s passkeys are accepted') }),
        response: { 200: z.object({ challengeId: z.uuid(), options: requestOptions }) },
      },
      handler: (request) => passkeys.signInOptions(request.body),
    });

    app.post('/auth/passkey', {
      config: { access: 'public' },
      schema: {
        tags: ['Authentication'],
        summary: 'Sign in with a passkey (it satisfies two-factor); the same answer as a password sign-in. 401 passkey_rejected with a reason',
        body: z.strictObject({ licence: field.text(40, { trim: false }), challengeId: field.id, response: authenticationResponse }),
        response: { 200: signedIn },
      },
      handler: async (request, reply) => {
        const { session, user } = await passkeys.signIn(request.body, client(request));
        void setSessionCookie(reply, session, options.secureCookies);
        return { status: 'ok' as const, csrfToken: session.csrfToken, user };
      },
    });

    app.get('/licence/passkey-policy', {
      config: { access: 'user', requires: 'licence-configuration.two-factor.view' },
      schema: { tags: ['Licence'], summary: 'The licence’s passkey policy', response: { 200: policySchema } },
      handler: (request) => passkeys.policy(userActor(request).licenceId),
    });

    app.put('/licence/passkey-policy', {
      config: { access: 'user', requires: 'licence-configuration.two-factor.edit' },
      schema: { tags: ['Licence'], summary: 'Change the licence’s passkey policy (audited)', body: z.strictObject({ allowed: z.boolean(), requiredForAdmins: z.boolean() }), response: { 200: policySchema } },
      handler: (request) => passkeys.setPolicy(userActor(request).licenceId, request.body, auditActorOf(request)),
    });

    app.delete('/users/:id/passkeys', {
      config: { access: 'user', requires: 'licence-configuration.users.edit' },
      schema: { tags: ['Users'], summary: "Remove every passkey of a user, e.g. after they lost their device (audited)", params: field.idParams, response: { 204: z.null() } },
      handler: async (request, reply) => {
        const actor = userActor(request);
        await passkeys.removeAllOfUser(actor.licenceId, request.params.id, { caller: { userId: actor.userId, supportVisit: actor.supportVisit !== null }, audit: auditActorOf(request) });
        return reply.status(204).send(null);
      },
    });
  };
}
