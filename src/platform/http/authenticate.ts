import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditActor } from '../audit.ts';
import { hashToken, sameSecret } from '../crypto.ts';
import type { Database } from '../db/client.ts';
import { operatorTokens } from '../db/schema.ts';
import { accessOf, NO_SESSION, type Actor, type Authorizer, type OperatorActor, type UserActor } from './actor.ts';
import { Problem, type Text } from './problems.ts';
import { findActiveApiToken, type ActiveApiToken } from './api-tokens.ts';
import { createLastUseRecorder } from './last-use.ts';
import { createProvisioningAuthenticator } from './provisioning-tokens.ts';
import { operatorFromSessionCookie } from './operator-sessions.ts';
import type { CredentialCache } from './credential-cache.ts';
import { csrfTokenOf, findActiveSession, type ActiveSession, SESSION_COOKIE, touchSession, type SessionLifetime } from './sessions.ts';

// Authentication and permission checks are declared on each route (config.access, config.requires)
// and enforced here once, before validation, so no handler repeats them.

/** Who a JWT access token of the OpenID Provider speaks for, once verified and checked against the database. */
export type AccessTokenSubject =
  | { kind: 'person'; licenceId: string; userId: string; login: string; language: string; grantId: string; clientId: string; expiresAt: number }
  | { kind: 'api-account'; licenceId: string; apiAccountId: string; login: string; clientId: string; expiresAt: number }
  | { kind: 'service'; clientId: string; name: string; scopes: string[]; expiresAt: number };

/** Verifies the provider's JWT access tokens for one of Gatehouse's APIs (its audience). */
export interface AccessTokenVerifier {
  verifyAccessToken(token: string, audience: 'api' | 'operator'): Promise<AccessTokenSubject | null>;
}

/** A checked session, API token or access token, as the credential cache keeps it. */
export type CheckedCredential =
  | { kind: 'session'; session: ActiveSession }
  | { kind: 'api-token'; token: ActiveApiToken }
  | { kind: 'access-token'; subject: Exclude<AccessTokenSubject, { kind: 'service' }> };

/** A JWT by its shape (three base64url parts, a JSON header): opaque tokens never look so. */
export const looksLikeJwt = (token: string) => token.startsWith('eyJ') && token.split('.').length === 3;

export interface AuthenticationOptions {
  db: Database;
  credentials: CredentialCache<CheckedCredential>;
  lifetime: SessionLifetime;
  bootstrapOperatorToken: string | null;
  authorizer: Authorizer;
  /** The OpenID Provider's access tokens, accepted as Bearer tokens by the APIs they are meant for. */
  accessTokens?: AccessTokenVerifier;
  now: () => Date;
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What a request without the credential its route takes is told. */
const UNAUTHENTICATED: Record<'user' | 'operator' | 'provisioning', Text> = {
  user: { en: 'Sign in first', fr: "Connectez-vous d'abord" },
  operator: { en: 'An operator token is required', fr: "Un jeton d'opérateur est requis" },
  provisioning: { en: 'A provisioning token is required', fr: 'Un jeton de provisionnement est requis' },
};

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

export function registerAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  app.decorateRequest('actor', null);

  const recordOperatorTokenUse = createLastUseRecorder('operator token');

  const authenticateOperator = async (request: FastifyRequest): Promise<OperatorActor | null> => {
    const token = bearerToken(request);
    // Without a Bearer, the operator console's session cookie (traded for the token at its sign-in).
    if (token === null) return operatorFromSessionCookie(options.db, request, { bootstrapOperatorToken: options.bootstrapOperatorToken, lifetime: options.lifetime, now: options.now() });
    // A service application's access token: the scopes it was granted, checked each request (the
    // application's record is cached a minute at most, and forgotten when it changes).
    if (looksLikeJwt(token) && options.accessTokens !== undefined) {
      const subject = await options.accessTokens.verifyAccessToken(token, 'operator');
      return subject?.kind === 'service' ? { kind: 'operator', tokenId: null, name: `application ${subject.name}`, scopes: subject.scopes } : null;
    }
    if (options.bootstrapOperatorToken !== null && sameSecret(token, options.bootstrapOperatorToken)) {
      return { kind: 'operator', tokenId: null, name: 'bootstrap', scopes: ['operator'] };
    }
    // Looked up on every request, never cached: a revoked token is refused at once by every process.
    const [row] = await options.db
      .select({ id: operatorTokens.id, name: operatorTokens.name, lastUsedAt: operatorTokens.lastUsedAt, scopes: operatorTokens.scopes })
      .from(operatorTokens)
      .where(and(eq(operatorTokens.tokenHash, hashToken(token)), isNull(operatorTokens.revokedAt)))
      .limit(1);
    if (row === undefined) return null;
    const now = options.now();
    await recordOperatorTokenUse(row, now, () => options.db.update(operatorTokens).set({ lastUsedAt: now }).where(eq(operatorTokens.id, row.id)), request.log);
    return { kind: 'operator', tokenId: row.id, name: row.name, scopes: row.scopes };
  };

  // SCIM routes take only a provisioning token, as a Bearer: never a session or another token.
  const provisioningToken = createProvisioningAuthenticator(options.db, options.now);
  const authenticateProvisioning = async (request: FastifyRequest) => {
    const token = bearerToken(request);
    return token === null ? null : provisioningToken(request, token);
  };

  /** Session token hash → its activity being written (see `touchSession` below). */
  const activityBeingRecorded = new Map<string, Promise<void>>();

  /** The session or API token a bearer or cookie token opens, from the cache or the database. */
  const checkToken = async (token: string, bearer: boolean, now: Date): Promise<CheckedCredential | null> => {
    const tokenHash = hashToken(token);
    const cached = options.credentials.get(tokenHash, now.getTime());
    if (cached !== null) return cached;
    // What is read from here on is kept only if no change to its user is heard meanwhile.
    const checking = options.credentials.mark();
    if (bearer && looksLikeJwt(token) && options.accessTokens !== undefined) {
      const subject = await options.accessTokens.verifyAccessToken(token, 'api');
      if (subject === null || subject.kind === 'service') return null;
      const checked: CheckedCredential = { kind: 'access-token', subject };
      // Kept until it expires, or until a change to its person or account is announced.
      const owner = { licenceId: subject.licenceId, userId: subject.kind === 'person' ? subject.userId : subject.apiAccountId };
      options.credentials.put(tokenHash, owner, checked, now.getTime(), subject.expiresAt, checking);
      return checked;
    }
    await activityBeingRecorded.get(tokenHash);
    const session = await findActiveSession(options.db, token, options.lifetime, now);
    if (session !== null) {
      const idleUntil = session.lastSeenAt.getTime() + options.lifetime.idleMinutes * 60_000;
      const checked: CheckedCredential = { kind: 'session', session };
      options.credentials.put(tokenHash, session, checked, now.getTime(), Math.min(session.expiresAt.getTime(), idleUntil), checking);
      return checked;
    }
    // Only a bearer token can be an API account's: they never travel in the session cookie.
    const apiToken = bearer ? await findActiveApiToken(options.db, token, now) : null;
    if (apiToken === null) return null;
    const checked: CheckedCredential = { kind: 'api-token', token: apiToken };
    options.credentials.put(tokenHash, { licenceId: apiToken.licenceId, userId: apiToken.apiAccountId }, checked, now.getTime(), apiToken.expiresAt.getTime(), checking);
    return checked;
  };

  const authenticateUser = async (request: FastifyRequest): Promise<UserActor | null> => {
    const bearer = bearerToken(request);
    const token = bearer ?? request.cookies[SESSION_COOKIE] ?? null;
    if (token === null) return null;
    const now = options.now();
    const checked = await checkToken(token, bearer !== null, now);
    if (checked === null) return null;
    if (checked.kind === 'access-token') {
      // An application acting for a person or an API account, with the access token it was given.
      const { subject } = checked;
      if (subject.kind === 'api-account') {
        return { kind: 'user', principal: 'api_account', licenceId: subject.licenceId, userId: subject.apiAccountId, login: subject.login, language: 'en', sessionId: NO_SESSION, via: 'bearer', supportVisit: null, application: subject.clientId };
      }
      return { kind: 'user', principal: 'user', licenceId: subject.licenceId, userId: subject.userId, login: subject.login, language: subject.language, sessionId: NO_SESSION, via: 'bearer', supportVisit: null, application: subject.clientId };
    }
    if (checked.kind === 'api-token') {
      const found = checked.token;
      return { kind: 'user', principal: 'api_account', licenceId: found.licenceId, userId: found.apiAccountId, login: found.login, language: 'en', sessionId: found.id, via: 'bearer', supportVisit: null };
    }
    const { session } = checked;
    const via = bearer === null ? 'cookie' : 'bearer';
    if (via === 'cookie' && UNSAFE_METHODS.has(request.method)) {
      const presented = request.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !sameSecret(presented, csrfTokenOf(token))) throw new Problem('csrf_failed');
    }
    // A password past its renewal comes first: the routes that change it are all such a session serves.
    if (session.passwordChangeRequired) {
      if (request.routeOptions.config.duringPasswordChange !== true) {
        throw new Problem('password_change_required', {
          en: 'Your password has passed the renewal period of your licence: choose a new one first',
          fr: "Votre mot de passe a dépassé la période de renouvellement de votre licence : choisissez-en d'abord un nouveau",
        });
      }
    } else if (session.secondFactorEnrolmentRequired && request.routeOptions.config.duringSecondFactorEnrolment !== true) {
      throw new Problem('second_factor_enrolment_required', {
        en: 'Your licence requires administrators to hold a passkey or an authenticator app: enrol one in My account first',
        fr: "Votre licence exige que les administrateurs aient une clé d'accès ou une application d'authentification : enregistrez-en une d'abord dans Mon compte",
      });
    }
    // Kept alive without holding the answer (written at most once a minute per session); a failed
    // write only shortens the idle time. A later request that must read the session from the
    // database waits for the write first, so it never reads the activity from before it.
    const touched = touchSession(options.db, session, now);
    if (touched !== null) {
      const tokenHash = hashToken(token);
      const recorded = touched
        .catch((error: unknown) => request.log.warn({ err: error }, 'session activity not recorded'))
        .finally(() => {
          if (activityBeingRecorded.get(tokenHash) === recorded) activityBeingRecorded.delete(tokenHash);
        });
      activityBeingRecorded.set(tokenHash, recorded);
    }
    return {
      kind: 'user',
      principal: 'user',
      licenceId: session.licenceId,
      userId: session.userId,
      login: session.login,
      language: session.language,
      sessionId: session.id,
      via,
      supportVisit: session.supportVisit,
    };
  };

  app.addHook('onRequest', async (request) => {
    // The not-found handler (no route) answers 404 or the console's page: nothing to protect.
    if (request.routeOptions.url === undefined) return;
    const config = request.routeOptions.config;
    const access = accessOf(config);
    if (access === 'public') return;
    const actor: Actor | null =
      access === 'operator' ? await authenticateOperator(request) : access === 'provisioning' ? await authenticateProvisioning(request) : await authenticateUser(request);
    if (actor === null) throw new Problem('unauthenticated', UNAUTHENTICATED[access === 'operator' || access === 'provisioning' ? access : 'user']);
    if (access === 'console' && actor.kind === 'user' && (actor.principal !== 'user' || actor.application !== undefined)) {
      throw new Problem('forbidden', {
        en: 'This is for people signed in to the console, not API accounts or applications acting for them',
        fr: 'Ceci est réservé aux personnes connectées à la console, pas aux comptes API ni aux applications agissant pour elles',
      });
    }
    request.actor = actor;
    // 'operator' reaches every operator route; a narrower scope only the routes that declare it.
    if (actor.kind === 'operator' && !actor.scopes.includes('operator') && (config.scope === undefined || !actor.scopes.includes(config.scope))) {
      const needed = config.scope === undefined ? 'operator' : `${config.scope} (or operator)`;
      throw new Problem('insufficient_scope', { en: `This needs the scope ${needed}; the credential holds ${actor.scopes.join(', ') || 'none'}`, fr: `Ceci demande la portée ${needed} ; l'accès porte ${actor.scopes.join(', ') || 'aucune'}` }, { scope: config.scope ?? 'operator' });
    }
    if (config.requires !== undefined && actor.kind === 'user' && !(await options.authorizer.isAllowed(actor, config.requires))) {
      throw new Problem('forbidden', { en: `Your rights configuration does not include ${config.requires}`, fr: `Votre configuration de droits ne comprend pas ${config.requires}` });
    }
  });
}

/** The signed-in user of a route declared with access 'user'. */
export function userActor(request: FastifyRequest): UserActor {
  const actor = request.actor;
  if (actor?.kind !== 'user') throw new Problem('unauthenticated');
  return actor;
}

export function operatorActor(request: FastifyRequest): OperatorActor {
  const actor = request.actor;
  if (actor?.kind !== 'operator') throw new Problem('unauthenticated');
  return actor;
}

/** How the audit trail names a support visit: the operator's own name and the ticket they came on. */
export function supportActorName(visit: { operator: string; ticket: string }): string {
  return `${visit.operator} (ticket ${visit.ticket})`;
}

/** The operator and the ticket back from a support visit's name, for readers who show them apart. */
export function supportVisitOfActorName(name: string): { operator: string; ticket: string | null } {
  const match = /^(.*) \(ticket (.*)\)$/s.exec(name);
  return match?.[1] !== undefined && match[2] !== undefined ? { operator: match[1], ticket: match[2] } : { operator: name, ticket: null };
}

/** Who the audit trail names for a request: the user, the operator, or the support visit. */
export function auditActorOf(request: FastifyRequest): AuditActor {
  const actor = request.actor;
  if (actor?.kind === 'operator') return { kind: 'operator', id: actor.tokenId, name: actor.name, ip: request.ip };
  // A provisioning token acts for the admin who made it, under its own name.
  if (actor?.kind === 'provisioning') return { kind: 'user', id: actor.createdBy, name: `${actor.name} (provisioning token)`, ip: request.ip };
  if (actor?.kind === 'user' && actor.supportVisit !== null) {
    return { kind: 'support', id: actor.userId, name: supportActorName(actor.supportVisit), ip: request.ip };
  }
  if (actor?.kind === 'user' && actor.principal === 'api_account') return { kind: 'user', id: actor.userId, name: `API account ${actor.login}`, ip: request.ip };
  if (actor?.kind === 'user') return { kind: 'user', id: actor.userId, name: actor.login, ip: request.ip };
  throw new Problem('unauthenticated');
}
