// Who is making a request, once authenticated.

export interface UserActor {
  kind: 'user';
  /** A person signed in to the console, or an API account holding a client-credentials token. */
  principal: 'user' | 'api_account';
  licenceId: string;
  userId: string;
  login: string;
  language: string;
  sessionId: string;
  /** A cookie session must prove each unsafe request with the CSRF header; a Bearer one need not. */
  via: 'cookie' | 'bearer';
  /** Set when the vendor's support came in on a ticket: what they change is recorded as theirs. */
  supportVisit: { id: string; operator: string; ticket: string } | null;
}

export interface OperatorActor {
  kind: 'operator';
  /** null for the bootstrap token from the environment. */
  tokenId: string | null;
  name: string;
}

export type Actor = UserActor | OperatorActor;

/** Answers whether a signed-in user may use a permission of the catalog right now. */
export interface Authorizer {
  isAllowed(actor: UserActor, permission: string): Promise<boolean>;
}

/** public: anyone; user: console users and API accounts; console: console users only; operator. */
export type RouteAccess = 'public' | 'user' | 'console' | 'operator';

/** A route that says nothing is for signed-in users: being public must be declared, never forgotten. */
export const DEFAULT_ACCESS: RouteAccess = 'user';

/** Who may call a route, its declaration or the default. */
export const accessOf = (config: { access?: RouteAccess } | undefined): RouteAccess => config?.access ?? DEFAULT_ACCESS;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; routes without it are for signed-in users (DEFAULT_ACCESS). */
    access?: RouteAccess;
    /** The catalog permission a user needs, checked before the handler runs. */
    requires?: string;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}
