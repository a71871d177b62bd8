import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearerToken, userActor } from '../../platform/http/authenticate.ts';
import { Problem } from '../../platform/http/problems.ts';
import * as field from '../../platform/http/schemas.ts';
import { csrfTokenOf, SESSION_COOKIE } from '../../platform/http/sessions.ts';
import { stepUpFields } from './step-up.ts';
import type { AuthService } from './service.ts';

/** Typed at sign-in; checked for shape only, so a malformed value is a 422, never a lookup. */
const typed = (max: number) => field.text(max, { trim: false });
const challenge = z.string().min(1).max(200);
const code = z.string().regex(/^\d{6}$/, { message: 'must be the 6 digits of the code' });

export const accountSchema = z.object({
  id: z.uuid(),
  login: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  mobile: z.string().nullable(),
  gender: field.gender.nullable(),
  language: z.string(),
  licence: z.object({ code: z.string(), name: z.string() }),
  configuration: z.object({ id: z.uuid(), name: z.string(), kind: z.enum(['standard', 'internal', 'custom']) }),
  entities: z.array(z.object({ id: z.uuid(), code: z.string(), name: z.string(), isDefault: z.boolean() })),
  lastLoginAt: z.string().nullable(),
  /** The sign-in before the one that opened this session (the current one is no news); null before a second sign-in. */
  previousLoginAt: z.string().nullable().describe('The sign-in before the one that opened this session (the current one is no news); null before a second sign-in'),
  /** Whether sign-in asks for a code from the user's authenticator app. */
  totpEnabled: z.boolean(),
  /** The licence requires administrators to hold a passkey or an authenticator app, and this session serves only enrolling one. */
  passwordChangeRequired: z.boolean().describe("The password has passed the licence's renewal period: this session serves only changing it (PUT /me/password), every other route answers 403 password_change_required"),
  secondFactorEnrolmentRequired: z.boolean().describe('The licence requires administrators to hold a passkey or an authenticator app, and this session serves only enrolling one'),
});

export const signedIn = z.object({ status: z.literal('ok'), csrfToken: z.string(), user: accountSchema });
const secondFactorRequired = z.object({
  status: z.literal('second_factor_required'),
  /** Sent back with the code to /auth/second-factor; valid 10 minutes. */
  challenge: z.string(),
  /** 'totp': a code from the authenticator app; 'sms': the code sent by SMS (sent at once when it is the only method). */
  methods: z.array(z.enum(['totp', 'sms'])),
});

// Passwords are bounded here only against abuse; the policy (length, content) is checked when one is set.
const password = z.string().min(1).max(1024);

/** The console's session cookie; without an expiry it lasts as long as the browser does (the server ends the session anyway). */
export const setSessionCookie = (reply: FastifyReply, session: { token: string; expiresAt?: Date }, secure: boolean) =>
  reply.setCookie(SESSION_COOKIE, session.token, { path: '/', httpOnly: true, sameSite: 'lax', secure, ...(session.expiresAt ? { expires: session.expiresAt } : {}) });

/** `onSignOut`: what else ends with a console session (the browser's single sign-on session). */
export function authRoutes(auth: AuthService, options: { secureCookies: boolean; onSignOut?: (cookies: Record<string, string | undefined>) => Promise<void> }): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Authentication'];
    const sessionToken = (request: FastifyRequest) => bearerToken(request) ?? request.cookies[SESSION_COOKIE] ?? null;
    const clearCookie = (reply: FastifyReply) => reply.clearCookie(SESSION_COOKIE, { path: '/' });
    const setCookie = (reply: FastifyReply, session: { token: string; expiresAt?: Date }) => setSessionCookie(reply, session, options.secureCookies);
    const client = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] ?? null });

    app.post('/auth/login', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Sign in with licence, login and password',
        body: z.strictObject({ licence: typed(40), login: typed(64), password }),
        response: { 200: z.discriminatedUnion('status', [signedIn, secondFactorRequired]) },
      },
      handler: async (request, reply) => {
        const outcome = await auth.signIn(request.body, client(request));
        if (outcome.status === 'second_factor_required') return outcome;
        void setCookie(reply, outcome.session);
        return { status: 'ok' as const, csrfToken: outcome.session.csrfToken, user: outcome.user };
      },
    });

    app.post('/auth/second-factor', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Finish a sign-in with the code from the SMS or the authenticator app',
        body: z.strictObject({ challenge, code }),
        response: { 200: signedIn },
      },
      handler: async (request, reply) => {
        const { session, user } = await auth.verifySecondFactor(request.body, client(request));
        void setCookie(reply, session);
        return { status: 'ok' as const, csrfToken: session.csrfToken, user };
      },
    });

    app.post('/auth/second-factor/resend', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Send a new code by SMS (at most 3 times, 30 seconds apart); the previous code stops working',
        body: z.strictObject({ challenge }),
        response: { 204: z.null() },
      },
      handler: async (request, reply) => {
        await auth.resendSecondFactorCode(request.body);
        return reply.status(204).send(null);
      },
    });

    app.post('/auth/logout', {
      config: { access: 'public' },
      schema: { tags, summary: 'Sign out: the session ends', response: { 204: z.null() } },
      handler: async (request, reply) => {
        const token = sessionToken(request);
        if (token !== null) await auth.signOut(token);
        await options.onSignOut?.(request.cookies);
        clearCookie(reply);
        return reply.status(204).send(null);
      },
    });

    app.get('/auth/session', {
      config: { access: 'console', duringSecondFactorEnrolment: true, duringPasswordChange: true },
      schema: {
        tags,
        summary: "The current session's CSRF token and account, for a console reloading its page; { status: 'anonymous' } without a session",
        response: { 200: z.union([z.object({ status: z.literal('ok'), csrfToken: z.string(), user: accountSchema }), z.object({ status: z.literal('anonymous') })]) },
      },
      // A signed-out console asking whether it has a session is no error: a 401 here would be logged by
      // the browser on every signed-out page. Every other refusal goes on to the server's handler.
      errorHandler: (error, _request, reply) => {
        if (!(error instanceof Problem) || error.code !== 'unauthenticated') throw error;
        return reply.code(200).header('cache-control', 'no-store').send({ status: 'anonymous' });
      },
      handler: async (request) => {
        const actor = userActor(request);
        return { status: 'ok' as const, csrfToken: csrfTokenOf(sessionToken(request) ?? ''), user: await auth.account(actor.licenceId, actor.userId, actor.sessionId) };
      },
    });

    // An operator opening a support visit gets its session token; to use the licence's console with
    // it, the console trades the token (sent as a Bearer) for the usual HttpOnly cookie, so the
    // token is never written by page scripts.
    app.post('/auth/session/cookie', {
      config: { access: 'console' },
      schema: {
        tags,
        summary: "Carry a support visit's session (sent as a Bearer token) in the console's HttpOnly cookie",
        response: { 200: z.object({ csrfToken: z.string(), user: accountSchema }) },
      },
      handler: async (request, reply) => {
        const actor = userActor(request);
        const token = bearerToken(request);
        if (actor.supportVisit === null || token === null) throw new Problem('forbidden', { en: 'Only a support visit’s session is carried this way; people sign in', fr: 'Seule la session d’une visite du support passe par ici ; les personnes se connectent' });
        setCookie(reply, { token });
        return { csrfToken: csrfTokenOf(token), user: await auth.account(actor.licenceId, actor.userId, actor.sessionId) };
      },
    });

    app.post('/auth/password-reset', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Ask for a password reset link; answers the same whether or not the account exists',
        body: z.strictObject({ licence: typed(40), login: typed(64) }),
        response: { 202: z.null() },
      },
      handler: async (request, reply) => {
        await auth.requestPasswordReset(request.body, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
        return reply.status(202).send(null);
      },
    });

    app.post('/auth/password-reset/complete', {
      config: { access: 'public' },
      schema: { tags, summary: 'Set a password from a welcome or reset link', body: z.strictObject({ token: z.string().min(1).max(200), password }), response: { 204: z.null() } },
      handler: async (request, reply) => {
        await auth.completePasswordReset(request.body);
        return reply.status(204).send(null);
      },
    });

    app.get('/me', {
      config: { access: 'console', duringSecondFactorEnrolment: true, duringPasswordChange: true },
      schema: { tags: ['My account'], summary: 'My account, my rights configuration and my entities', response: { 200: accountSchema } },
      handler: (request) => {
        const actor = userActor(request);
        return auth.account(actor.licenceId, actor.userId, actor.sessionId);
      },
    });

    app.put('/me/password', {
      config: { access: 'console', duringPasswordChange: true },
      schema: { tags: ['My account'], summary: 'Change my password (it must differ from my last five: 422 password_reused); my other sessions end, and a session held for the change serves everything again', body: z.strictObject({ currentPassword: password, newPassword: password }), response: { 204: z.null() } },
      handler: async (request, reply) => {
        await auth.changePassword(userActor(request), request.body);
        return reply.status(204).send(null);
      },
    });

    app.post('/me/totp', {
      config: { access: 'console', duringSecondFactorEnrolment: true },
      schema: {
        tags: ['My account'],
        summary: 'Start setting up an authenticator app: answers its secret, shown this once; a first code confirms it',
        body: z.strictObject({ password }),
        response: { 200: z.object({ secret: z.string(), otpauthUrl: z.string() }) },
      },
      handler: (request) => auth.startAuthenticatorEnrolment(userActor(request), request.body),
    });

    app.post('/me/totp/confirm', {
      config: { access: 'console', duringSecondFactorEnrolment: true },
      schema: { tags: ['My account'], summary: 'Confirm the authenticator app with a code from it; sign-in asks for one from then on', body: z.strictObject({ code }), response: { 204: z.null() } },
      handler: async (request, reply) => {
        await auth.confirmAuthenticator(userActor(request), request.body);
        return reply.status(204).send(null);
      },
    });

    app.delete('/me/totp', {
      config: { access: 'console' },
      schema: {
        tags: ['My account'],
        summary: 'Remove my authenticator app, confirming it with my current password (or a code from the app)',
        body: z.strictObject({ ...stepUpFields, password: password.optional().describe('Deprecated: the same as currentPassword') }),
        response: { 204: z.null() },
      },
      handler: async (request, reply) => {
        const { password: legacy, currentPassword = legacy, code } = request.body;
        await auth.removeAuthenticator(userActor(request), { ...(currentPassword === undefined ? {} : { currentPassword }), ...(code === undefined ? {} : { code }) });
        return reply.status(204).send(null);
      },
    });
  };
}
