import i18next from 'i18next';
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

// The console's one way to talk to Gatehouse: typed clients generated from /openapi.json (see
// scripts/generate-api.ts). `consoleApi` carries the cookie session and its CSRF header, `operatorApi`
// the operator's session; `send()` turns any refusal into an ApiError built from the RFC 9457 problem.

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** An RFC 9457 problem answered by the server, or a network failure (code `network_error`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly fieldErrors: FieldError[];
  /** The whole problem body: some codes carry more (e.g. the users missing a mobile). */
  readonly problem: Record<string, unknown>;

  constructor(status: number, problem: Record<string, unknown>) {
    const title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
    super(title);
    this.status = status;
    this.problem = problem;
    this.title = title;
    this.code = typeof problem.code === 'string' ? problem.code : status === 0 ? 'network_error' : 'unexpected_error';
    this.detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    this.fieldErrors = Array.isArray(problem.errors) ? problem.errors.filter(isFieldError) : [];
  }
}

function isFieldError(value: unknown): value is FieldError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.field === 'string' && typeof candidate.code === 'string' && typeof candidate.message === 'string';
}

/** Leaves out absent and empty query values, as the server reads an empty `q` as "no search". */
function querySerializer(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  return params.toString();
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Listener = () => void;

/** A cookie session with its CSRF token: sent on every unsafe request; a 401 tells the listeners the session is over. */
function cookieSession(isOver: (response: Response) => Promise<boolean>) {
  let csrfToken: string | null = null;
  const listeners = new Set<Listener>();
  const middleware: Middleware = {
    onRequest({ request }) {
      if (UNSAFE.has(request.method) && csrfToken !== null) request.headers.set('X-CSRF-Token', csrfToken);
      return request;
    },
    async onResponse({ response }) {
      if (response.status === 401 && (await isOver(response.clone()))) {
        for (const listener of listeners) listener();
      }
      return response;
    },
  };
  return {
    middleware,
    setCsrfToken(token: string | null) {
      csrfToken = token;
    },
    onEnded(listener: Listener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

async function problemCode(response: Response): Promise<string | undefined> {
  const body: unknown = await response.json().catch(() => undefined);
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string' ? (body as { code: string }).code : undefined;
}

/** The reader's language on every call, so that refusals come back in it (the problem's title and detail). */
const readersLanguage: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept-Language', i18next.resolvedLanguage ?? i18next.language ?? 'en');
    return request;
  },
};

const clientOptions = {
  credentials: 'same-origin' as const,
  headers: { Accept: 'application/json, application/problem+json' },
  querySerializer,
};

// A sign-in refused for a wrong password is a 401 too; only `unauthenticated` means the session is over.
const consoleSession = cookieSession(async (response) => (await problemCode(response)) === 'unauthenticated');

export const consoleApi = createClient<paths>(clientOptions);
consoleApi.use(readersLanguage, consoleSession.middleware);

/** The cookie session's CSRF token, returned at sign-in and by GET /auth/session after a reload. */
export const setCsrfToken = (token: string | null) => consoleSession.setCsrfToken(token);
/** Called when the server says the session is over (expired, deactivated, signed out elsewhere). */
export const onSessionEnded = (listener: Listener) => consoleSession.onEnded(listener);

const operatorSession = cookieSession(async () => true);

export const operatorApi = createClient<paths>(clientOptions);
operatorApi.use(readersLanguage, operatorSession.middleware);

/** The operator session's CSRF token, returned when the operator's token is traded for a session cookie. */
export const setOperatorCsrfToken = (token: string | null) => operatorSession.setCsrfToken(token);
/** Called when the server refuses the operator session (token revoked or expired, session over). */
export const onOperatorSessionEnded = (listener: Listener) => operatorSession.onEnded(listener);

type Answer<T> = { data?: T; error?: unknown; response: Response };

/**
 * Awaits a call of either client: answers its typed body, or throws an ApiError for a refusal or a
 * network failure. `await send(consoleApi.GET('/api/v1/users/{id}', { params: { path: { id } } }))`
 */
export async function send<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch {
    throw new ApiError(0, { title: 'Network error' });
  }
  const { data, error, response } = answer;
  if (!response.ok || error !== undefined) {
    const problem = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
    throw new ApiError(response.status, { status: response.status, ...problem });
  }
  return data as T;
}

export type ItemContent = { kind: 'text'; text: string } | { kind: 'file'; url: string };

/** Reads a Transfer Box item: a secret or text is shown as text, anything else offered as a file. */
export async function fetchContent(id: string): Promise<ItemContent> {
  let answer: { data?: Blob; error?: unknown; response: Response };
  try {
    answer = await consoleApi.GET('/api/v1/transfer-box/{id}/content', { params: { path: { id } }, parseAs: 'blob' });
  } catch {
    throw new ApiError(0, { title: 'Network error' });
  }
  const { data, error, response } = answer;
  if (!response.ok || data === undefined) {
    const problem = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
    throw new ApiError(response.status, { status: response.status, ...problem });
  }
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    const body: unknown = JSON.parse(await data.text());
    if (typeof body === 'object' && body !== null) {
      const record = body as Record<string, unknown>;
      const text = [record.content, record.secret, record.password, record.text].find((value): value is string => typeof value === 'string');
      return { kind: 'text', text: text ?? JSON.stringify(body, null, 2) };
    }
    return { kind: 'text', text: String(body) };
  }
  if (type.startsWith('text/')) return { kind: 'text', text: await data.text() };
  return { kind: 'file', url: URL.createObjectURL(data) };
}
