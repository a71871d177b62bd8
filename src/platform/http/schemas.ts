import { isValidPhoneNumber } from 'libphonenumber-js';
import { z } from 'zod';
import { LANGUAGES } from '../../core/catalog.ts';

// The building blocks of every route schema, so a field means the same thing everywhere.

// Text a person types must not hide what it says: control characters, bidi controls (which make a
// name read differently from what it holds) and unpaired surrogates (which no store keeps as sent).
const CONTROL_CHARACTERS = /\p{Cc}/u;
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const safeText = (schema: z.ZodString) =>
  schema
    .refine((value) => !CONTROL_CHARACTERS.test(value), { message: 'must not contain control characters', params: { code: 'control_characters' } })
    .refine((value) => !BIDI_CONTROLS.test(value), { message: 'must not contain bidirectional control characters', params: { code: 'bidi_control' } })
    .refine((value) => !UNPAIRED_SURROGATE.test(value), { message: 'must not contain unpaired surrogates', params: { code: 'unpaired_surrogate' } });

/**
 * Every free-text field: a name, label, reason or search typed by a person. Trimmed and not empty
 * by default; `{ trim: false }` for what is compared as typed (sign-in), `{ min: 0 }` for a search.
 */
export const text = (max: number, options: { trim?: boolean; min?: number } = {}) => {
  const base = options.trim === false ? z.string() : z.string().trim();
  return safeText(base.min(options.min ?? 1).max(max));
};

/** Logins are typed at sign-in: letters, digits and . _ @ - only. */
export const login = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, { message: 'may hold letters, digits and . _ @ - only, starting with a letter or digit' });

export const email = z.string().trim().max(254).pipe(z.email({ message: 'is not an e-mail address' }));

/** Mobiles are stored in E.164 (+33612345678) so SMS can be sent anywhere. */
export const mobile = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, { message: 'must be in international format, e.g. +33612345678' })
  .refine((value) => isValidPhoneNumber(value), { message: 'is not a valid phone number', params: { code: 'invalid_format' } });

export const language = z.enum(LANGUAGES);
export const gender = z.enum(['female', 'male', 'unspecified']);
export const licenceCode = z.string().regex(/^[a-z0-9-]{2,40}$/, { message: 'must be 2 to 40 lowercase letters, digits or hyphens' });
export const id = z.uuid({ message: 'is not an id' });
export const idParams = z.strictObject({ id });
export const timestamp = z.iso.datetime({ offset: true });

/** A field a client may not send, e.g. a login once created. */
export const immutable = (what: string) =>
  z.unknown().refine(() => false, { message: `${what} cannot be changed`, params: { code: 'immutable' } }).optional();

export const listQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
};

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
