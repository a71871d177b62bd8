import { z } from 'zod';
import * as field from '../../platform/http/schemas.ts';

// The users API's shapes, declared once: they validate requests, shape answers and make the OpenAPI document.

export const userSchema = z.object({
  id: z.uuid(),
  login: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  mobile: z.string().nullable(),
  gender: field.gender.nullable(),
  language: z.string(),
  status: z.enum(['active', 'deactivated']),
  configuration: z.object({ id: z.uuid(), name: z.string(), kind: z.enum(['standard', 'internal', 'custom']) }),
  entityGroup: z.object({ id: z.uuid(), name: z.string() }),
  defaultEntity: z.object({ id: z.uuid(), code: z.string(), name: z.string() }),
  internal: z.boolean(),
  protected: z.boolean(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Lists only (features/password-renewal). */
  passwordDueAt: z
    .string()
    .nullable()
    .optional()
    .describe("In lists: when the user must choose a new password under the licence's renewal policy, once that is within the reminder days or past; null otherwise (and for internal accounts)"),
});

const editableFields = {
  firstName: field.text(100),
  lastName: field.text(100),
  email: field.email,
  mobile: field.mobile.nullable().optional(),
  gender: field.gender.nullable().optional(),
  language: field.language,
  configurationId: field.id,
  entityGroupId: field.id,
  defaultEntityId: field.id.optional(),
};

export const createUserBody = z.strictObject({ login: field.login, ...editableFields });

export const updateUserBody = z.strictObject({
  login: field.immutable('The login'),
  firstName: editableFields.firstName.optional(),
  lastName: editableFields.lastName.optional(),
  email: editableFields.email.optional(),
  mobile: editableFields.mobile,
  gender: editableFields.gender,
  language: editableFields.language.optional(),
  configurationId: editableFields.configurationId.optional(),
  entityGroupId: editableFields.entityGroupId.optional(),
  defaultEntityId: editableFields.defaultEntityId,
});

export const listUsersQuery = z.strictObject({
  status: z.enum(['active', 'deactivated']).default('active'),
  q: field.text(100, { min: 0 }).optional(),
  ...field.listQuery,
});
