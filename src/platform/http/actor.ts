// Who is making a request, once authenticated.

export interface UserActor {
  kind: 'user';
  /** A person signed in to the console, or an API account holding a client-credentials token. */
  principal: 'user' | 'api_account';
  licenceId: string;
  userId: string;
  login: string;
  language: string;
  /** The console session; for an application's access token, NO_SESSION (it opened none). */
  sessionId: string;
  /** Set when an application acts for the person with an access token it was given: its client id. */
  application?: string;
  /** A cookie session must prove each unsafe request with the CSRF header; a Bearer one need not. */
  via: 'cookie' | 'bearer';
  /** Set when the vendor's support came in on a ticket: what they change is recorded as theirs. */
  supportVisit: { id: string; operator: string; ticket: string } | null;
}

/** The session id of an actor that has no console session (an application's access token). */
export const NO_SESSION = '00000000-0000-0000-0000-000000000000';

export interface OperatorActor {
  kind: 'operator';
  /** null for the bootstrap token from the environment. */
  tokenId: string | null;
  name: string;
  /** 'operator' reaches every operator route; a narrower scope only the routes declaring it (OPERATOR_SCOPES). */
  scopes: readonly string[];
}

/** An identity provider provisioning one licence's users over SCIM with a provisioning token. */
export interface ProvisioningActor {
  kind: 'provisioning';
  licenceId: string;
  tokenId: string;
  name: string;
  /** The admin who created the token: it acts within their rights (the privilege ceiling). */
  createdBy: string;
  /** What users provisioned without Gatehouse's extension are given. */
  defaults: { configurationId: string; entityGroupId: string };
}

export type Actor = UserActor | OperatorActor | ProvisioningActor;

/** The narrow scopes a route may declare, for services that need no more (issue 11, item 6). */
export const ROUTE_SCOPES = ['decisions:read', 'users:read'] as const;
export type RouteScope = (typeof ROUTE_SCOPES)[number];
/** What an operator token may hold: 'operator' is every right, what tokens made before scopes keep. */
export const OPERATOR_SCOPES = ['operator', ...ROUTE_SCOPES] as const;
export type OperatorScope = (typeof OPERATOR_SCOPES)[number];

/** Answers whether a signed-in user may use a permission of the catalog right now. */
export interface Authorizer {
  isAllowed(actor: UserActor, permission: string): Promise<boolean>;
}

/** public: anyone; user: console users and API accounts; console: console users only; operator; provisioning: SCIM tokens. */
export type RouteAccess = 'public' | 'user' | 'console' | 'operator' | 'provisioning';

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
    /** Served to a session limited to enrolling a passkey or an authenticator app (the admins' policy of a licence). */
    duringSecondFactorEnrolment?: boolean;
    /** Served to a session limited to changing a password past the licence's renewal period; every other route refuses it. */
    duringPasswordChange?: boolean;
    /** An operator route a narrower credential than 'operator' may call with this scope. */
    scope?: RouteScope;
    /**
     * An OpenID Connect / OAuth endpoint: applications of other sites call it (token requests from a
     * single-page app, a logout form) and it answers in its own standard's formats, so the server's
     * cross-site refusal does not apply to it.
     */
    protocolEndpoint?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}
