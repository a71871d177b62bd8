import { z } from 'zod';
import { Problem, type FieldError } from '../../platform/http/problems.ts';
import { fieldErrorsOf } from '../../platform/http/validation.ts';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { EXTENSION_SCHEMA } from './resource.ts';

// SCIM answers its errors in its own format (RFC 7644 §3.12), not as RFC 9457 problems: every
// refusal under /scim/v2, authentication included, is one of these, naming the attribute at fault.

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The scimType values RFC 7644 §3.12 defines (each for a 400, but uniqueness for a 409). */
export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
  }

  toBody() {
    return { schemas: [ERROR_SCHEMA], status: String(this.status), ...(this.scimType === undefined ? {} : { scimType: this.scimType }), detail: this.detail };
  }
}

export const errorDocument = z
  .object({ schemas: z.array(z.string()), status: z.string().describe('The HTTP status, as a string'), scimType: z.string().optional(), detail: z.string() })
  .meta({ id: 'ScimError', description: 'A SCIM error (urn:ietf:params:scim:api:messages:2.0:Error, RFC 7644 §3.12)' });

export const invalidValue = (attribute: string, message: string) => new ScimError(400, `${attribute}: ${message}`, 'invalidValue');

/** The SCIM attribute a field of the users service stands for, so a refusal names what the client sent. */
const ATTRIBUTE_OF_FIELD: Record<string, string> = {
  login: 'userName',
  firstName: 'name.givenName',
  lastName: 'name.familyName',
  email: 'emails',
  mobile: 'phoneNumbers[type eq "mobile"].value',
  language: 'preferredLanguage',
  configurationId: `${EXTENSION_SCHEMA}:configuration`,
  entityGroupId: `${EXTENSION_SCHEMA}:entityGroup`,
  defaultEntityId: `${EXTENSION_SCHEMA}:defaultEntity`,
};

/** A field of the users service, or a schema path (emails.0.value), as the SCIM attribute a client wrote. */
const attributeOf = (field: string) => ATTRIBUTE_OF_FIELD[field] ?? field.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
const describe = (errors: readonly FieldError[]) => errors.map((e) => `${attributeOf(e.field)}: ${e.message}`).join('; ');

function fromProblem(problem: Problem): ScimError {
  const errors = problem.extensions.errors;
  switch (problem.code) {
    case 'validation_failed':
      if (errors?.[0]?.code === 'invalid_json') return new ScimError(400, 'body: is not valid JSON', 'invalidSyntax');
      return new ScimError(400, errors && errors.length > 0 ? describe(errors) : (problem.detail ?? problem.message), 'invalidValue');
    case 'login_taken':
      return new ScimError(409, `userName: ${problem.detail ?? 'is taken in this licence'}`, 'uniqueness');
    case 'seat_limit_reached':
      return new ScimError(409, `${problem.detail ?? 'The licence has no free seat'}: the seat limit of the licence is reached`);
    case 'exceeds_own_rights':
      return new ScimError(403, `${errors && errors.length > 0 ? describe(errors) : problem.message} (the rights of the admin who created the token)`);
    case 'protected_account':
      return new ScimError(404, 'No such user');
    default:
      return new ScimError(problem.status, problem.detail ?? problem.message);
  }
}

/** Any error raised under /scim/v2 as a SCIM error: ours, the users service's problems, the framework's. */
export function scimErrorOf(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof Problem) return fromProblem(error);
  if (typeof error === 'object' && error !== null && hasZodFastifySchemaValidationErrors(error)) {
    const errors = fieldErrorsOf(error.validation, error.validationContext);
    return new ScimError(400, describe(errors), 'invalidValue');
  }
  const code = (error as { code?: string } | null)?.code;
  const status = (error as { statusCode?: number } | null)?.statusCode;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ScimError(413, 'The request body is too large');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ScimError(415, 'Send application/scim+json or application/json');
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) return new ScimError(400, 'body: is not valid JSON', 'invalidSyntax');
  if (status !== undefined && status >= 400 && status < 500) return new ScimError(status, (error as Error).message);
  return new ScimError(500, 'Something went wrong on our side');
}
