import { z } from 'zod';
import { LANGUAGES, type Language } from '../../core/catalog.ts';
import * as field from '../../platform/http/schemas.ts';

// A Gatehouse user as a SCIM User resource (RFC 7643 §4.1) and back. The mapping:
//   userName = login (immutable), name.givenName / familyName, emails (the primary one kept),
//   phoneNumbers[type eq "mobile"] (E.164), preferredLanguage / locale = language, active = status,
//   externalId kept as sent; Gatehouse's extension carries the rights configuration (its key), the
//   entity group (its name, unique in the licence) and the default entity (its code).

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const EXTENSION_SCHEMA = 'urn:gatehouse:params:scim:schemas:extension:gatehouse:2.0:User';

/** A user as the SCIM store reads it. */
export interface ScimUserRow {
  id: string;
  login: string;
  firstName: string;
  lastName: string;
  email: string;
  mobile: string | null;
  language: string;
  status: 'active' | 'deactivated';
  externalId: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  configurationKey: string;
  entityGroupName: string;
  defaultEntityCode: string;
}

export const etagOf = (version: number) => `W/"${version}"`;

export function toScimUser(row: ScimUserRow, baseUrl: string) {
  return {
    schemas: [USER_SCHEMA, EXTENSION_SCHEMA],
    id: row.id,
    ...(row.externalId === null ? {} : { externalId: row.externalId }),
    userName: row.login,
    name: { givenName: row.firstName, familyName: row.lastName, formatted: `${row.firstName} ${row.lastName}` },
    displayName: `${row.firstName} ${row.lastName}`,
    emails: [{ value: row.email, type: 'work', primary: true }],
    ...(row.mobile === null ? {} : { phoneNumbers: [{ value: row.mobile, type: 'mobile' }] }),
    preferredLanguage: row.language,
    locale: row.language,
    active: row.status === 'active',
    [EXTENSION_SCHEMA]: { configuration: row.configurationKey, entityGroup: row.entityGroupName, defaultEntity: row.defaultEntityCode },
    meta: {
      resourceType: 'User',
      created: row.createdAt.toISOString(),
      lastModified: row.updatedAt.toISOString(),
      location: `${baseUrl}/Users/${row.id}`,
      version: etagOf(row.version),
    },
  };
}
export type ScimUser = ReturnType<typeof toScimUser>;

// Identity providers send booleans as strings now and then (Entra ID's PATCH sends "False").
const scimBoolean = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']).transform((value) => value.toLowerCase() === 'true')]);
const multiValued = <T extends z.ZodRawShape>(shape: T) => z.array(z.looseObject({ type: z.string().max(64).nullish(), primary: scimBoolean.nullish(), ...shape })).max(50);

/**
 * A User resource as a client sends it (POST, PUT) or as a PATCH leaves it. Attributes Gatehouse does
 * not keep (title, addresses…) are accepted and ignored, as RFC 7644 §3.3 allows.
 */
export const scimUserInput = z.looseObject({
  schemas: z.array(z.string()).refine((schemas) => schemas.includes(USER_SCHEMA), { message: `must include ${USER_SCHEMA}` }),
  userName: field.login,
  externalId: z.string().trim().max(256).nullish(),
  name: z.looseObject({ givenName: field.text(100), familyName: field.text(100) }),
  emails: multiValued({ value: field.email }).min(1, { message: 'must hold an e-mail address' }),
  phoneNumbers: multiValued({ value: z.string().max(32) }).nullish(),
  preferredLanguage: z.string().max(35).nullish(),
  locale: z.string().max(35).nullish(),
  active: scimBoolean.nullish(),
  [EXTENSION_SCHEMA]: z
    .looseObject({ configuration: z.string().max(200).nullish(), entityGroup: z.string().max(200).nullish(), defaultEntity: z.string().max(200).nullish() })
    .nullish(),
});
export type ScimUserInput = z.infer<typeof scimUserInput>;

/** What a SCIM User resource asks of a Gatehouse user; undefined where it leaves the current value alone. */
export interface RequestedUser {
  login: string;
  firstName: string;
  lastName: string;
  email: string;
  mobile: string | null;
  language: Language | undefined;
  active: boolean | undefined;
  externalId: string | null;
  extension: { configuration?: string; entityGroup?: string; defaultEntity?: string } | undefined;
}

/** A refusal naming the attribute at fault (the caller turns it into a SCIM invalidValue). */
export class AttributeError extends Error {
  constructor(
    readonly attribute: string,
    readonly reason: string,
  ) {
    super(`${attribute}: ${reason}`);
  }
}

/** The attribute path of a schema issue, as a SCIM client writes it: emails[0].value. */
const attributePath = (path: readonly PropertyKey[]) => path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');

/** en-US, fr_FR, fr → the language Gatehouse speaks; anything else is refused by name. */
function languageOf(tag: string | null | undefined, attribute: string): Language | undefined {
  if (tag === null || tag === undefined || tag.trim() === '') return undefined;
  const primary = tag.trim().split(/[-_,;]/)[0]!.toLowerCase();
  if (!(LANGUAGES as readonly string[]).includes(primary)) throw new AttributeError(attribute, `must be one of ${LANGUAGES.join(', ')} (or a tag of one, e.g. en-US), not "${tag}"`);
  return primary as Language;
}

const pickEmail = (emails: ScimUserInput['emails']) => emails.find((e) => e.primary === true) ?? emails.find((e) => e.type?.toLowerCase() === 'work') ?? emails[0]!;

/**
 * Reads a User resource. `previous` is the representation a PATCH started from: of preferredLanguage
 * and locale, the one the PATCH changed wins.
 */
export function readScimUser(resource: unknown, previous?: ScimUser): RequestedUser {
  const parsed = scimUserInput.safeParse(resource);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AttributeError(attributePath(issue.path) || 'body', issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message);
  }
  const user = parsed.data;
  const mobiles = (user.phoneNumbers ?? []).filter((phone) => phone.type?.toLowerCase() === 'mobile');
  if (mobiles.length > 1) throw new AttributeError('phoneNumbers', 'may hold one mobile number only');
  const mobile = mobiles[0]?.value ?? null;
  if (mobile !== null && !field.mobile.safeParse(mobile).success) throw new AttributeError('phoneNumbers[type eq "mobile"].value', 'must be a valid number in international format (E.164), e.g. +33612345678');
  const localeChanged = previous !== undefined && user.locale !== previous.locale && user.preferredLanguage === previous.preferredLanguage;
  const language = localeChanged ? languageOf(user.locale, 'locale') : (languageOf(user.preferredLanguage, 'preferredLanguage') ?? languageOf(user.locale, 'locale'));
  const extension = user[EXTENSION_SCHEMA];
  return {
    login: user.userName,
    firstName: user.name.givenName,
    lastName: user.name.familyName,
    email: pickEmail(user.emails).value,
    mobile,
    language,
    active: user.active ?? undefined,
    externalId: user.externalId || null,
    extension:
      extension === null || extension === undefined
        ? undefined
        : {
            ...(extension.configuration ? { configuration: extension.configuration } : {}),
            ...(extension.entityGroup ? { entityGroup: extension.entityGroup } : {}),
            ...(extension.defaultEntity ? { defaultEntity: extension.defaultEntity } : {}),
          },
  };
}

// attributes / excludedAttributes (RFC 7644 §3.4.2.5). Attribute names are case-insensitive; a core
// attribute may carry its schema's URN; `id` and `schemas` are always returned.

const ALWAYS_RETURNED = new Set(['id', 'schemas']);

/** An attribute name as a path of keys: name.givenName → [name, givenName]; the extension's URN is one key. */
function pathOf(attribute: string): string[] {
  const lower = attribute.trim();
  const core = `${USER_SCHEMA}:`;
  if (lower.toLowerCase().startsWith(core.toLowerCase())) return lower.slice(core.length).split('.');
  if (lower.toLowerCase() === EXTENSION_SCHEMA.toLowerCase()) return [EXTENSION_SCHEMA];
  if (lower.toLowerCase().startsWith(`${EXTENSION_SCHEMA.toLowerCase()}:`)) return [EXTENSION_SCHEMA, ...lower.slice(EXTENSION_SCHEMA.length + 1).split('.')];
  return lower.split('.');
}

const keyIn = (object: Record<string, unknown>, name: string) => Object.keys(object).find((key) => key.toLowerCase() === name.toLowerCase());

function pick(source: unknown, path: string[]): unknown {
  if (Array.isArray(source)) return source.map((item) => pick(item, path)).filter((item) => item !== undefined);
  if (typeof source !== 'object' || source === null) return undefined;
  const [head, ...rest] = path;
  const key = keyIn(source as Record<string, unknown>, head!);
  if (key === undefined) return undefined;
  const value = (source as Record<string, unknown>)[key];
  if (rest.length === 0) return { [key]: value };
  const inner = pick(value, rest);
  return inner === undefined ? undefined : { [key]: inner };
}

function merge(target: Record<string, unknown>, addition: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(addition)) {
    const existing = target[key];
    if (Array.isArray(existing) && Array.isArray(value)) target[key] = existing.map((item, i) => (typeof item === 'object' && item !== null ? { ...item, ...(value[i] as object) } : item));
    else if (typeof existing === 'object' && existing !== null && typeof value === 'object' && value !== null && !Array.isArray(value)) merge(existing as Record<string, unknown>, value as Record<string, unknown>);
    else target[key] = value;
  }
}

function drop(target: unknown, path: string[]): void {
  if (Array.isArray(target)) return target.forEach((item) => drop(item, path));
  if (typeof target !== 'object' || target === null) return;
  const [head, ...rest] = path;
  const key = keyIn(target as Record<string, unknown>, head!);
  if (key === undefined) return;
  if (rest.length === 0) delete (target as Record<string, unknown>)[key];
  else drop((target as Record<string, unknown>)[key], rest);
}

const namesIn = (list: string | undefined) => (list ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');

/** The resource with only the attributes asked for, or without the ones excluded. */
export function project(resource: Record<string, unknown> & { schemas: string[] }, query: { attributes?: string; excludedAttributes?: string }): Record<string, unknown> & { schemas: string[] } {
  const wanted = namesIn(query.attributes);
  if (wanted.length > 0) {
    const projected: Record<string, unknown> & { schemas: string[] } = { schemas: resource.schemas, id: resource.id };
    for (const name of wanted) {
      const picked = pick(resource, pathOf(name));
      if (picked !== undefined) merge(projected, picked as Record<string, unknown>);
    }
    return projected;
  }
  const excluded = namesIn(query.excludedAttributes);
  if (excluded.length === 0) return resource;
  const copy = structuredClone(resource);
  for (const name of excluded) {
    const path = pathOf(name);
    if (path.length === 1 && ALWAYS_RETURNED.has(path[0]!.toLowerCase())) continue;
    drop(copy, path);
  }
  return copy;
}
