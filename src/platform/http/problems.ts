import { z } from 'zod';

// Every error a client can see is an RFC 9457 problem with a stable code from API.md.
// Services throw Problems; the server's error handler writes them as application/problem+json.

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export const PROBLEM_TITLES = {
  validation_failed: 'The request has invalid fields',
  invalid_credentials: 'Invalid credentials',
  unauthenticated: 'Authentication required',
  forbidden: 'Not allowed',
  insufficient_scope: 'The credential lacks the scope this needs',
  csrf_failed: 'Missing or wrong CSRF token',
  protected_account: 'This account is protected',
  not_found: 'Not found',
  login_taken: 'This login is already taken',
  seat_limit_reached: 'The licence has no free seat',
  users_missing_mobile: 'Some users have no mobile number',
  cannot_target_self: 'You cannot do this to your own account',
  invalid_token: 'The link is invalid or has expired',
  weak_password: 'The password is too weak',
  too_many_attempts: 'Too many attempts',
  support_access_blocked: 'Support access is blocked by the licence',
  exceeds_own_rights: 'This goes beyond your own rights',
  step_up_required: 'Confirm with your current password',
  step_up_failed: 'The confirmation is wrong',
  conflict: 'The request conflicts with the current state',
  payload_too_large: 'The request body is too large',
  unsupported_media_type: 'Unsupported content type',
  invalid_cursor: 'The cursor is not valid for this list',
  cross_site_request: 'Requests from another site are not accepted',
  password_change_required: 'Choose a new password first',
  password_reused: 'This password was used recently',
  passkey_rejected: 'The passkey was refused',
  passkeys_not_allowed: 'Passkeys are turned off for this licence',
  second_factor_enrolment_required: 'Enrol a passkey or an authenticator app first',
  internal_error: 'Something went wrong on our side',
  database_unavailable: 'The database is unavailable for a moment',
} as const;

export type ProblemCode = keyof typeof PROBLEM_TITLES;

const STATUS: Record<ProblemCode, number> = {
  validation_failed: 422,
  invalid_credentials: 401,
  unauthenticated: 401,
  forbidden: 403,
  insufficient_scope: 403,
  csrf_failed: 403,
  protected_account: 403,
  not_found: 404,
  login_taken: 409,
  seat_limit_reached: 409,
  users_missing_mobile: 409,
  cannot_target_self: 409,
  invalid_token: 400,
  weak_password: 422,
  too_many_attempts: 429,
  support_access_blocked: 403,
  exceeds_own_rights: 403,
  step_up_required: 403,
  step_up_failed: 403,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_cursor: 400,
  cross_site_request: 403,
  password_change_required: 403,
  password_reused: 422,
  passkey_rejected: 401,
  passkeys_not_allowed: 403,
  second_factor_enrolment_required: 403,
  internal_error: 500,
  database_unavailable: 503,
};

/** The problem document, once, as the OpenAPI component `Problem` every error answer refers to. */
export const problemDocument = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.enum(Object.keys(PROBLEM_TITLES) as [ProblemCode, ...ProblemCode[]]),
    errors: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })).optional().describe('For validation: each bad field'),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem document (application/problem+json) with a stable code' });

export class Problem extends Error {
  readonly code: ProblemCode;
  readonly detail?: string;
  readonly extensions: { errors?: FieldError[]; [key: string]: unknown };
  readonly status: number;

  constructor(code: ProblemCode, detail?: string, extensions: { errors?: FieldError[]; [key: string]: unknown } = {}, status?: number) {
    const answered = status ?? STATUS[code];
    // A refusal (4xx) is an answer, not a fault: nothing reads where it was made, and collecting the
    // stack costs more than the rest of the request's refusal, or of an `ensure` that passes (its
    // problem is made before the check). A 5xx keeps its stack for the log.
    const stackTraceLimit = Error.stackTraceLimit;
    if (answered < 500) Error.stackTraceLimit = 0;
    try {
      super(detail ?? PROBLEM_TITLES[code]);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.code = code;
    this.detail = detail;
    this.extensions = extensions;
    this.status = answered;
  }

  toBody(): Record<string, unknown> {
    return {
      type: `https://gatehouse.dev/problems/${this.code.replaceAll('_', '-')}`,
      title: PROBLEM_TITLES[this.code],
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      code: this.code,
      ...this.extensions,
    };
  }
}

export const notFound = (what = 'resource') => new Problem('not_found', `No such ${what}`);
export const forbidden = (detail?: string) => new Problem('forbidden', detail);
export const fieldError = (field: string, code: string, message: string): FieldError => ({ field, code, message });
export const invalidField = (field: string, code: string, message: string) =>
  new Problem('validation_failed', `${field}: ${message}`, { errors: [fieldError(field, code, message)] });

/** A business rule in one line: `ensure(user !== null, notFound('user'))`. */
export function ensure(condition: unknown, problem: Problem): asserts condition {
  if (!condition) throw problem;
}
