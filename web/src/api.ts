// The console's one way to talk to Gatehouse: every screen goes through `consoleApi` (cookie session
// plus CSRF header) or `operatorApi` (bearer token), and every failure arrives as an ApiError.

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

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

async function send<T>(method: Method, path: string, body: unknown, headers: Record<string, string>): Promise<T> {
  const init: RequestInit = { method, headers: { Accept: 'application/json, application/problem+json', ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, { title: 'Network error' });
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    const problem = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    throw new ApiError(response.status, { status: response.status, ...problem });
  }
  return parsed as T;
}

/** The cookie session's CSRF token, returned at sign-in and by GET /auth/session after a reload. */
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type Listener = () => void;
const sessionEndedListeners = new Set<Listener>();
/** Called when the server says the session is over (expired, deactivated, signed out elsewhere). */
export function onSessionEnded(listener: Listener): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

async function consoleRequest<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET' && csrfToken !== null) headers['X-CSRF-Token'] = csrfToken;
  try {
    return await send<T>(method, `/api/v1${path}`, body, headers);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && error.code === 'unauthenticated') {
      for (const listener of sessionEndedListeners) listener();
    }
    throw error;
  }
}

export const consoleApi = {
  get: <T>(path: string, query?: Query) => consoleRequest<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => consoleRequest<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => consoleRequest<T>('PUT', path, body),
  patch: <T>(path: string, body?: unknown) => consoleRequest<T>('PATCH', path, body),
  /** Some deletions carry a body, e.g. the password that confirms removing an authenticator app. */
  delete: <T>(path: string, body?: unknown) => consoleRequest<T>('DELETE', path, body),
};

const OPERATOR_TOKEN_KEY = 'gatehouse.operatorToken';

/** Operator tokens live in sessionStorage: they end with the tab, never shared with other tabs. */
export const operatorToken = {
  get: (): string | null => sessionStorage.getItem(OPERATOR_TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(OPERATOR_TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(OPERATOR_TOKEN_KEY),
};

const operatorRefusedListeners = new Set<Listener>();
/** Called when the server refuses the operator token (revoked, expired or mistyped). */
export function onOperatorTokenRefused(listener: Listener): () => void {
  operatorRefusedListeners.add(listener);
  return () => operatorRefusedListeners.delete(listener);
}

async function operatorRequest<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const token = operatorToken.get();
  try {
    return await send<T>(method, `/operator/v1${path}`, body, token === null ? {} : { Authorization: `Bearer ${token}` });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      operatorToken.clear();
      for (const listener of operatorRefusedListeners) listener();
    }
    throw error;
  }
}

export const operatorApi = {
  get: <T>(path: string, query?: Query) => operatorRequest<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => operatorRequest<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => operatorRequest<T>('PUT', path, body),
  patch: <T>(path: string, body?: unknown) => operatorRequest<T>('PATCH', path, body),
  /** Tries a token before it is kept: one harmless read with it. */
  verify: (token: string) => send<unknown>('GET', '/operator/v1/licences?limit=1', undefined, { Authorization: `Bearer ${token}` }),
};

export type ItemContent = { kind: 'text'; text: string } | { kind: 'file'; url: string };

/** Reads a Transfer Box item: a secret or text is shown as text, anything else offered as a file. */
export async function fetchContent(path: string): Promise<ItemContent> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, { title: 'Network error' });
  }
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok) {
    const problem: unknown = type.includes('json') ? await response.json().catch(() => ({})) : {};
    throw new ApiError(response.status, { status: response.status, ...(typeof problem === 'object' && problem !== null ? problem : {}) });
  }
  if (type.includes('json')) {
    const body: unknown = await response.json();
    if (typeof body === 'object' && body !== null) {
      const record = body as Record<string, unknown>;
      const text = [record.content, record.secret, record.password, record.text].find((value): value is string => typeof value === 'string');
      return { kind: 'text', text: text ?? JSON.stringify(body, null, 2) };
    }
    return { kind: 'text', text: String(body) };
  }
  if (type.startsWith('text/')) return { kind: 'text', text: await response.text() };
  return { kind: 'file', url: URL.createObjectURL(await response.blob()) };
}
