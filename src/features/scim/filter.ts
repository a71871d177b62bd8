import { sql, type SQL } from 'drizzle-orm';
import { parse, type Filter } from 'scim2-parse-filter';
import { entities, entityGroups, rightsConfigurations, users } from '../../platform/db/schema.ts';
import { ScimError } from './errors.ts';
import { EXTENSION_SCHEMA, USER_SCHEMA } from './resource.ts';

// SCIM filters (RFC 7644 §3.4.2.2) and sortBy, translated to SQL on the columns the attributes map
// to, so the database filters, sorts and pages (never the process, in memory). The grammar is
// scim2-parse-filter's; this file only maps its tree. Attribute names are case-insensitive.

type Attribute =
  | { type: 'string'; expression: SQL; caseExact?: boolean }
  | { type: 'boolean'; expression: SQL }
  | { type: 'dateTime'; expression: SQL };

const fullName = sql`(${users.firstName} || ' ' || ${users.lastName})`;

/** Every attribute a filter or sortBy may name, lower-cased, with the column it reads. */
const ATTRIBUTES: Record<string, Attribute> = {
  id: { type: 'string', expression: sql`${users.id}::text`, caseExact: true },
  externalid: { type: 'string', expression: sql`${users.externalId}`, caseExact: true },
  username: { type: 'string', expression: sql`${users.login}` },
  'name.givenname': { type: 'string', expression: sql`${users.firstName}` },
  'name.familyname': { type: 'string', expression: sql`${users.lastName}` },
  'name.formatted': { type: 'string', expression: fullName },
  displayname: { type: 'string', expression: fullName },
  emails: { type: 'string', expression: sql`${users.email}` },
  'emails.value': { type: 'string', expression: sql`${users.email}` },
  // One e-mail each, the work address and the primary one.
  'emails.type': { type: 'string', expression: sql`'work'` },
  'emails.primary': { type: 'boolean', expression: sql`true` },
  phonenumbers: { type: 'string', expression: sql`${users.mobile}`, caseExact: true },
  'phonenumbers.value': { type: 'string', expression: sql`${users.mobile}`, caseExact: true },
  'phonenumbers.type': { type: 'string', expression: sql`(CASE WHEN ${users.mobile} IS NULL THEN NULL ELSE 'mobile' END)` },
  preferredlanguage: { type: 'string', expression: sql`${users.language}` },
  locale: { type: 'string', expression: sql`${users.language}` },
  active: { type: 'boolean', expression: sql`(${users.status} = 'active')` },
  'meta.created': { type: 'dateTime', expression: sql`${users.createdAt}` },
  'meta.lastmodified': { type: 'dateTime', expression: sql`${users.updatedAt}` },
  [`${EXTENSION_SCHEMA.toLowerCase()}:configuration`]: { type: 'string', expression: sql`${rightsConfigurations.key}`, caseExact: true },
  [`${EXTENSION_SCHEMA.toLowerCase()}:entitygroup`]: { type: 'string', expression: sql`${entityGroups.name}` },
  [`${EXTENSION_SCHEMA.toLowerCase()}:defaultentity`]: { type: 'string', expression: sql`${entities.code}`, caseExact: true },
};

function attributeNamed(path: string, what: 'filter' | 'sortBy'): Attribute {
  let name = path.toLowerCase();
  const core = `${USER_SCHEMA.toLowerCase()}:`;
  if (name.startsWith(core)) name = name.slice(core.length);
  const attribute = ATTRIBUTES[name];
  if (attribute !== undefined) return attribute;
  if (what === 'sortBy') throw new ScimError(400, `sortBy: "${path}" is not an attribute users can be sorted by`, 'invalidValue');
  throw new ScimError(400, `filter: "${path}" is not an attribute users can be filtered on`, 'invalidFilter');
}

const likePattern = (value: string, prefix: string, suffix: string) => `${prefix}${value.replace(/[\\%_]/g, (c) => `\\${c}`)}${suffix}`;

function compare(attribute: Attribute, path: string, op: string, value: boolean | null | number | string): SQL {
  const { expression } = attribute;
  if (op === 'pr') return attribute.type === 'string' ? sql`(${expression} IS NOT NULL AND ${expression} <> '')` : sql`(${expression} IS NOT NULL)`;
  if (value === null) {
    if (op === 'eq') return sql`(${expression} IS NULL)`;
    if (op === 'ne') return sql`(${expression} IS NOT NULL)`;
    throw new ScimError(400, `filter: ${path} ${op} null compares with nothing`, 'invalidFilter');
  }
  if (attribute.type === 'boolean') {
    if (typeof value !== 'boolean') throw new ScimError(400, `filter: ${path} is a boolean, compared with ${JSON.stringify(value)}`, 'invalidFilter');
    if (op === 'eq') return sql`(${expression} = ${value})`;
    if (op === 'ne') return sql`(${expression} IS DISTINCT FROM ${value})`;
    throw new ScimError(400, `filter: ${path} is a boolean: only eq, ne and pr apply`, 'invalidFilter');
  }
  if (attribute.type === 'dateTime') {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new ScimError(400, `filter: ${path} is a date and time, compared with ${JSON.stringify(value)}`, 'invalidValue');
    const at = new Date(value).toISOString();
    const operators: Record<string, SQL> = { eq: sql`=`, ne: sql`<>`, gt: sql`>`, ge: sql`>=`, lt: sql`<`, le: sql`<=` };
    const operator = operators[op];
    if (operator === undefined) throw new ScimError(400, `filter: ${path} is a date and time: ${op} does not apply`, 'invalidFilter');
    return sql`(${expression} ${operator} ${at}::timestamptz)`;
  }
  // Strings: case-insensitive unless the attribute is case-exact (RFC 7643 §2.2).
  const text = String(value);
  const left = attribute.caseExact ? expression : sql`lower(${expression})`;
  const right = attribute.caseExact ? text : text.toLowerCase();
  switch (op) {
    case 'eq':
      return sql`(${left} = ${right})`;
    case 'ne':
      return sql`(${left} IS DISTINCT FROM ${right})`;
    case 'co':
      return sql`(${left} LIKE ${likePattern(right, '%', '%')})`;
    case 'sw':
      return sql`(${left} LIKE ${likePattern(right, '', '%')})`;
    case 'ew':
      return sql`(${left} LIKE ${likePattern(right, '%', '')})`;
    case 'gt':
      return sql`(${left} > ${right})`;
    case 'ge':
      return sql`(${left} >= ${right})`;
    case 'lt':
      return sql`(${left} < ${right})`;
    case 'le':
      return sql`(${left} <= ${right})`;
    default:
      throw new ScimError(400, `filter: unknown operator ${op}`, 'invalidFilter');
  }
}

/** A parsed filter as SQL; inside a value path (emails[...]) its attributes are sub-attributes. */
function toSql(filter: Filter, parent?: string): SQL {
  switch (filter.op) {
    case 'and':
    case 'or': {
      const parts = (filter as { filters: Filter[] }).filters.map((part) => toSql(part, parent));
      return sql`(${sql.join(parts, filter.op === 'and' ? sql` AND ` : sql` OR `)})`;
    }
    case 'not':
      return sql`(NOT COALESCE(${toSql((filter as { filter: Filter }).filter, parent)}, false))`;
    case '[]': {
      const { attrPath, valFilter } = filter as { attrPath: string; valFilter: Filter };
      return toSql(valFilter, attrPath);
    }
    default: {
      const { attrPath, compValue } = filter as { attrPath: string; compValue?: boolean | null | number | string };
      const path = parent === undefined ? attrPath : `${parent}.${attrPath}`;
      return compare(attributeNamed(path, 'filter'), path, filter.op, compValue ?? null);
    }
  }
}

/** The SQL condition of a SCIM filter; a filter that does not parse is refused as invalidFilter. */
export function filterCondition(filter: string): SQL {
  let parsed: Filter;
  try {
    parsed = parse(filter);
  } catch (error) {
    throw new ScimError(400, `filter: does not parse (${(error as Error).message})`, 'invalidFilter');
  }
  return toSql(parsed);
}

/** The expression a list is sorted by (sortBy, RFC 7644 §3.4.2.3). */
export function sortExpression(sortBy: string): SQL {
  const attribute = attributeNamed(sortBy, 'sortBy');
  return attribute.type === 'string' && !attribute.caseExact ? sql`lower(${attribute.expression})` : attribute.expression;
}
