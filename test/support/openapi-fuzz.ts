import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { DatabaseHandle } from '../../src/platform/db/client.ts';

// Random and malformed requests derived from the served OpenAPI document, and a fingerprint of the
// database to tell whether a refused request changed anything. Used by test/api/fuzz.test.ts.

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema?: JsonSchema;
}

export interface Operation {
  method: string;
  /** The templated path, e.g. /api/v1/users/{id}. */
  path: string;
  pathParameters: Parameter[];
  queryParameters: Parameter[];
  /** Content types the body is declared with (JSON first), and its schema. */
  body: { contentTypes: string[]; schema: JsonSchema } | null;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** Every path × method of the document, with its schemas resolved. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const resolve = (schema: JsonSchema | undefined, depth = 0): JsonSchema => {
    if (schema === undefined || depth > 8) return {};
    if (schema.$ref !== undefined) return resolve(document.components?.schemas?.[schema.$ref.split('/').at(-1) ?? ''], depth + 1);
    return schema;
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const parameters = (operation.parameters ?? []).map((p) => ({ ...p, schema: resolve(p.schema) }));
      const content = operation.requestBody?.content ?? {};
      const contentTypes = Object.keys(content).sort((a, b) => Number(b.includes('json')) - Number(a.includes('json')));
      const first = contentTypes[0];
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParameters: parameters.filter((p) => p.in === 'path'),
        queryParameters: parameters.filter((p) => p.in === 'query'),
        body: first === undefined ? null : { contentTypes, schema: resolve(content[first]?.schema) },
      });
    }
  }
  return operations;
}

/** The kinds of ids a request may name, each known in this licence and in another one. */
export type IdKind = 'users' | 'configurations' | 'groups' | 'entities' | 'requests' | 'apiAccounts' | 'transferBox' | 'operatorTokens';

/** Ids the requests may name: this licence's and another licence's, by kind, and licence codes. */
export interface IdPools {
  own: Partial<Record<IdKind, string[]>>;
  other: Partial<Record<IdKind, string[]>>;
  licenceCodes: string[];
}

/** The kind of id a body field or the path segment before an `{id}` names. */
function idKindOf(name: string): IdKind | null {
  if (/^(users|userId|recipientId)$/.test(name)) return 'users';
  if (/^(rights-configurations|configurationId)$/.test(name)) return 'configurations';
  if (/^(entity-groups|entityGroupId)$/.test(name)) return 'groups';
  if (/^(entities|defaultEntityId|entityIds|entity)$/.test(name)) return 'entities';
  if (name === 'api-account-requests') return 'requests';
  if (/^(api-accounts|apiAccountId)$/.test(name)) return 'apiAccounts';
  if (name === 'transfer-box') return 'transferBox';
  if (name === 'operator-tokens') return 'operatorTokens';
  return null;
}

// Text that has broken parsers, databases and logs before: lone surrogates, bidi controls, control
// characters, invisible characters, injection attempts, and text at the edge of a length limit.
const NASTY_TEXT = [
  '\ud800',
  'a\udfffb',
  '\udc00\ud800',
  '\u202e',
  'abc\u202edcba',
  '\u2066x\u2069',
  '\u0000',
  'a\u0007b',
  '\n',
  '\r\n',
  '\u001b[31m',
  '\ufeff',
  '\u200b',
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '\\',
  '__proto__',
  'null',
  '0',
  '-1',
  '𝕏🙂',
  'İǅé',
  ' ',
  '',
];

export const nastyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_TEXT),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...NASTY_TEXT), fc.string({ maxLength: 8 })).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 20 }),
  // Past every declared limit; the largest is past the body limit too.
  fc.constantFrom(300, 5_000, 70_000).map((n) => 'x'.repeat(n)),
);

// Numbers at the edges of what JSON, JavaScript and PostgreSQL integers hold.
const edgeNumber = fc.constantFrom(0, -0, -1, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 5e-324);

const junkJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  edgeNumber,
  fc.integer(),
  nastyText,
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 3 }),
  fc.object({ maxDepth: 2, maxKeys: 3 }),
  fc.constant({ $ne: '' }),
  fc.constant(JSON.parse('{"__proto__": {"admin": true}}') as unknown),
);

const withPossibleDecoration = (text: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.tuple(text, fc.constantFrom('\ud800', '\u202e', '\u2067', '\u0001', '\u200f')).map(([t, d]) => t + d) });

const patternCache = new Map<string, fc.Arbitrary<string> | null>();
function matching(pattern: string): fc.Arbitrary<string> | null {
  if (!patternCache.has(pattern)) {
    let arbitrary: fc.Arbitrary<string> | null = null;
    try {
      arbitrary = fc.stringMatching(new RegExp(pattern));
    } catch {
      // a pattern fast-check cannot generate from (e.g. Unicode property escapes): plain text then
    }
    patternCache.set(pattern, arbitrary);
  }
  return patternCache.get(pattern) ?? null;
}

const isUuidSchema = (schema: JsonSchema) => schema.format === 'uuid';

function idFrom(pools: IdPools, name: string): fc.Arbitrary<string> {
  const kind = idKindOf(name);
  const all = (side: IdPools['own']) => Object.values(side).flat();
  const choices: fc.WeightedArbitrary<string>[] = [{ weight: 1, arbitrary: fc.uuid() }];
  const add = (weight: number, ids: string[] | undefined) => {
    if (ids !== undefined && ids.length > 0) choices.push({ weight, arbitrary: fc.constantFrom(...ids) });
  };
  add(8, kind === null ? undefined : pools.own[kind]);
  add(2, kind === null ? undefined : pools.other[kind]);
  add(kind === null ? 4 : 1, all(pools.own));
  add(kind === null ? 2 : 1, all(pools.other));
  return fc.oneof(...choices);
}

function stringFor(schema: JsonSchema, name: string, pools: IdPools): fc.Arbitrary<string> {
  if (isUuidSchema(schema)) return idFrom(pools, name);
  if (schema.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (/email/i.test(name)) return fc.constantFrom('grace@example.com', 'a.b@example.org', 'ops+fuzz@example.net');
  // Numbers that exist, so a request gets past the phone number check to what follows it.
  if (/mobile/i.test(name)) return fc.constantFrom('+33612345678', '+447700900123', '+4915123456789');
  if (/^(licence|code)$/.test(name)) return fc.oneof(fc.constantFrom(...pools.licenceCodes), fc.stringMatching(/^[a-z0-9-]{2,12}$/));
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? 40, 40));
  if (schema.pattern !== undefined) {
    const fromPattern = matching(schema.pattern);
    if (fromPattern !== null) return fromPattern.filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Infinity));
  }
  return withPossibleDecoration(fc.string({ minLength: Math.max(min, 1), maxLength: Math.max(max, 1) }));
}

/** A value that mostly satisfies the schema (children may carry a decorated string). */
export function validish(schema: JsonSchema, pools: IdPools, name = '', depth = 0): fc.Arbitrary<unknown> {
  if (depth > 5) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined && alternatives.length > 0) return fc.oneof(...alternatives.map((s) => validish(s, pools, name, depth + 1)));
  if (schema.allOf !== undefined && schema.allOf.length > 0) return validish(Object.assign({}, ...schema.allOf) as JsonSchema, pools, name, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  if (type.length > 1) return fc.oneof(...type.map((t) => validish({ ...schema, type: t }, pools, name, depth + 1)));
  switch (type[0]) {
    case 'string':
      return stringFor(schema, name, pools);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validish(schema.items ?? {}, pools, name, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)) });
    case 'object': {
      const properties = schema.properties ?? {};
      if (Object.keys(properties).length === 0) {
        const values = typeof schema.additionalProperties === 'object' ? validish(schema.additionalProperties, pools, name, depth + 1) : fc.jsonValue({ maxDepth: 1 });
        return fc.dictionary(fc.string({ maxLength: 12 }), values, { maxKeys: 3 });
      }
      const shape = Object.fromEntries(Object.entries(properties).map(([key, child]) => [key, validish(child, pools, key, depth + 1)]));
      return fc.record(shape, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

type JsonPath = (string | number)[];

function pathsOf(value: unknown, prefix: JsonPath = []): JsonPath[] {
  const paths: JsonPath[] = [prefix];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...pathsOf(item, [...prefix, index])));
  else if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) paths.push(...pathsOf(child, [...prefix, key]));
  return paths;
}

type Mutation = { kind: 'replace'; with: unknown } | { kind: 'remove' } | { kind: 'add'; key: string; with: unknown };

/** The paths of the string leaves of a value: where a person's text goes. */
function textPathsOf(value: unknown): JsonPath[] {
  return pathsOf(value).filter((path) => typeof path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value) === 'string');
}

function mutate(value: unknown, path: JsonPath, mutation: Mutation): unknown {
  if (path.length === 0) {
    if (mutation.kind === 'replace') return mutation.with;
    if (mutation.kind === 'add' && value !== null && typeof value === 'object' && !Array.isArray(value)) return { ...value, [mutation.key]: mutation.with };
    return mutation.kind === 'remove' ? undefined : value;
  }
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    const changed = mutate(copy[head as number], rest, mutation);
    if (changed === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = changed;
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  const changed = mutate(copy[head as string], rest, mutation);
  if (changed === undefined && rest.length === 0) delete copy[head as string];
  else copy[head as string] = changed;
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: junkJson.map((v) => ({ kind: 'replace' as const, with: v })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'remove' as const }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('extra', 'isAdmin', 'licenceId', 'id', '__proto__', 'constructor', 'login'), junkJson).map(([key, v]) => ({ kind: 'add' as const, key, with: v })) },
);

/** A valid-ish value with exactly one thing wrong: junk text in a text field, a wrong type, a missing or extra field. */
export function malformed(schema: JsonSchema, pools: IdPools): fc.Arbitrary<unknown> {
  return validish(schema, pools).chain((value) => {
    const texts = textPathsOf(value);
    const anywhere = fc.tuple(fc.constantFrom(...pathsOf(value)), mutation);
    if (texts.length === 0) return anywhere.map(([path, change]) => mutate(value, path, change));
    const inText = fc.tuple(fc.constantFrom(...texts), nastyText.map((text): Mutation => ({ kind: 'replace', with: text })));
    return fc.oneof(anywhere, inText).map(([path, change]) => mutate(value, path, change));
  });
}

/** What a request sends as its body. */
export type FuzzBody = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; contentType: string; text: string };

const rawBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.constantFrom('{"a":', 'NaN', '{"a":1}garbage', '\u0000', '[]', '"text"', `${'['.repeat(20_000)}${']'.repeat(20_000)}`).map((text) => ({ kind: 'raw' as const, contentType: 'application/json', text })),
  fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x').map((contentType) => ({ kind: 'raw' as const, contentType, text: 'a=b&licence=x' })),
);

export function bodyFor(operation: Operation, pools: IdPools): fc.Arbitrary<FuzzBody> {
  if (operation.method === 'GET') return fc.constant({ kind: 'none' });
  const schema = operation.body?.schema ?? {};
  const json = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((value): FuzzBody => ({ kind: 'json', value }));
  return fc.oneof(
    { weight: 3, arbitrary: json(validish(schema, pools)) },
    { weight: 5, arbitrary: json(malformed(schema, pools)) },
    { weight: 1, arbitrary: json(junkJson) },
    { weight: 1, arbitrary: rawBody },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  );
}

const base64url = (text: string) => Buffer.from(text).toString('base64url');

const cursorPart = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.uuid(),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-13-45T99:99:99Z', 'not-a-uuid', '\u0000', 'infinity', '', '1e999', '\ud800', -1, 2 ** 63),
);

/** Cursors we did not make: the right shape with the wrong content (most), JSON of the wrong shape, random bytes. */
export const cursor: fc.Arbitrary<string> = fc.oneof(
  // Every list's key has two parts today: most crafted cursors have two.
  { weight: 5, arbitrary: fc.tuple(cursorPart, cursorPart).map((key) => base64url(JSON.stringify(key))) },
  { weight: 1, arbitrary: fc.array(cursorPart, { minLength: 1, maxLength: 4 }).map((key) => base64url(JSON.stringify(key))) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => base64url(JSON.stringify(value))) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.constant(null), fc.object({ maxDepth: 0 }), fc.array(fc.integer(), { maxLength: 2 })), { minLength: 1, maxLength: 3 }).map((key) => base64url(JSON.stringify(key))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes).toString('base64url')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes).toString('base64')) },
  { weight: 1, arbitrary: fc.constantFrom('', '!!!', '====', 'eyJ', '%00', 'W10') },
);

/** Percent-encodes like encodeURIComponent, but sends a lone surrogate as the invalid UTF-8 it would be. */
export function encodeComponent(text: string): string {
  let encoded = '';
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    encoded += code >= 0xd800 && code <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(character);
  }
  return encoded;
}

const junkQueryValue = fc.oneof(nastyText.filter((t) => t.length < 5_000), edgeNumber.map(String), fc.constantFrom('1e999', 'abc', '', '-', 'true', '2026-02-30'));

/** Declared parameters with valid-ish values (a cursor is always one we did not make), and at most one thing wrong. */
export function queryFor(operation: Operation, pools: IdPools): fc.Arbitrary<string> {
  type Pairs = [string, string][];
  const declared = operation.queryParameters.map((parameter) => {
    const value = parameter.name === 'cursor' ? cursor : validish(parameter.schema ?? { type: 'string' }, pools, parameter.name).map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));
    return fc.option(value.map((v): Pairs => [[parameter.name, v]]), { nil: [] as Pairs, freq: parameter.name === 'cursor' ? 6 : 2 });
  });
  const names = operation.queryParameters.map((p) => p.name);
  const wrong: fc.Arbitrary<Pairs> = fc.oneof(
    { weight: 2, arbitrary: fc.constant([] as Pairs) },
    ...(names.length === 0 ? [] : [{ weight: 2, arbitrary: fc.tuple(fc.constantFrom(...names), junkQueryValue).map(([name, value]): Pairs => [[name, value]]) }]),
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('limit', 'cursor', 'status', '__proto__', 'constructor', 'x', 'q[]', 'licence'), fc.oneof(junkQueryValue, cursor)).map((pair): Pairs => [pair]) },
  );
  return fc.tuple(fc.tuple(...declared), wrong).map(([pairs, extra]) => {
    const replaced = new Set(extra.map(([name]) => name));
    const all = [...pairs.flat().filter(([name]) => !replaced.has(name) || name === 'cursor'), ...extra];
    return all.length === 0 ? '' : `?${all.map(([name, value]) => `${encodeComponent(name)}=${encodeComponent(value)}`).join('&')}`;
  });
}

function pathValueFor(parameter: Parameter, pools: IdPools, segmentBefore: string): fc.Arbitrary<string> {
  const junk = fc.constantFrom('not-a-uuid', '0', '-1', 'null', '00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '%', '..', `${randomUUID()}x`, "' OR '1'='1", '\ud800', '\u202e', 'x'.repeat(2_000));
  if (parameter.name === 'code') return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pools.licenceCodes) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9-]{2,12}$/) }, { weight: 1, arbitrary: junk }, { weight: 1, arbitrary: fc.constantFrom('NO', 'a', 'x'.repeat(41)) });
  return fc.oneof({ weight: 5, arbitrary: idFrom(pools, segmentBefore) }, { weight: 2, arbitrary: junk });
}

export function pathFor(operation: Operation, pools: IdPools): fc.Arbitrary<string> {
  const values = operation.pathParameters.map((parameter) => pathValueFor(parameter, pools, operation.path.split(`/{${parameter.name}}`)[0]?.split('/').at(-1) ?? '').map((value) => [parameter.name, value] as const));
  return fc.tuple(...values).map((pairs) => pairs.reduce((path, [name, value]) => path.replace(`{${name}}`, encodeComponent(value)), operation.path));
}

// The fingerprint of the data: one hash per table of the public schema, so a new table is covered
// without touching this file.

/**
 * What a refused request may write all the same, because counting refusals or activity is its job.
 * A table named here with `null` is left out whole; otherwise only the listed columns are.
 */
export const RECORDS_REFUSALS: Record<string, string[] | null> = {
  // Sign-in and step-up throttle counters: a wrong password or code must be counted, and it is refused.
  throttles: null,
  // Session activity (idle timeout): any request on a session keeps it alive, even a refused one.
  sessions: ['last_seen_at'],
  // When an operator token was last used: written on any request made with it.
  operator_tokens: ['last_used_at'],
  // A wrong second-factor code counts against its sign-in challenge.
  sign_in_challenges: ['attempts'],
  // When a provisioning token was last used, as for operator tokens. And a user's ETag counter: it
  // moves with every change of their other columns (which show it), and a change undone leaves it moved.
  provisioning_tokens: ['last_used_at'],
  users: ['version'],
};

export type DataFingerprint = Record<string, string>;

export async function fingerprint(database: DatabaseHandle): Promise<DataFingerprint> {
  return database.inScriptTransaction(async (exec) => {
    const tables = (await exec(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`)).rows.map((row) => String(row.table_name));
    const hashes = tables
      .filter((table) => RECORDS_REFUSALS[table] !== null)
      .map((table) => {
        const dropped = (RECORDS_REFUSALS[table] ?? []).map((column) => ` - '${column}'`).join('');
        return `SELECT '${table}' AS name, md5(coalesce(string_agg(row, E'\\n' ORDER BY row), '')) AS hash FROM (SELECT (to_jsonb(t)${dropped})::text AS row FROM "${table}" t) rows`;
      });
    const rows = (await exec(hashes.join(' UNION ALL '))).rows;
    return Object.fromEntries(rows.map((row) => [String(row.name), String(row.hash)]));
  });
}

/** The tables whose rows differ between two fingerprints. */
export function changedTables(before: DataFingerprint, after: DataFingerprint): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((table) => before[table] !== after[table]).sort();
}

/** The operation's path with this licence's first id of the right kind (or its code) in every parameter. */
export function typicalPath(operation: Operation, pools: IdPools): string {
  return operation.pathParameters.reduce((path, parameter) => {
    const before = operation.path.split(`/{${parameter.name}}`)[0]?.split('/').at(-1) ?? '';
    const kind = idKindOf(before);
    const value = parameter.name === 'code' ? pools.licenceCodes[0] : ((kind === null ? undefined : pools.own[kind]?.[0]) ?? Object.values(pools.own).flat()[0]);
    return path.replace(`{${parameter.name}}`, encodeComponent(value ?? ''));
  }, operation.path);
}

/**
 * Seeded, hand-aimed requests run before the random ones, so the classes every review looks for are
 * always tried: cursors of the right shape and the wrong content, and a lone surrogate or a bidi
 * control in the first text field of an otherwise valid-ish body.
 */
export function aimedRequests(operation: Operation, pools: IdPools, seed: number): { path: string; body: FuzzBody }[] {
  const path = typicalPath(operation, pools);
  const aimed: { path: string; body: FuzzBody }[] = [];
  if (operation.queryParameters.some((p) => p.name === 'cursor')) {
    const id = '6f1c2a4e-1d3b-4c5a-9e7f-0a1b2c3d4e5f';
    // Times JavaScript writes back identically but PostgreSQL does not take: year 0, a six-digit year.
    for (const key of [['Hopper', 'not-a-uuid'], ['2026-13-45T99:99:99Z', id], [42, 'x'], ['0000-12-31T23:59:59.999Z', id], ['+010000-01-01T00:00:00.000Z', id]]) {
      aimed.push({ path: `${path}?cursor=${base64url(JSON.stringify(key))}`, body: { kind: 'none' } });
    }
  }
  if (operation.body !== null && operation.method !== 'GET') {
    const value = typicalValue(operation.body.schema, pools, seed);
    const [first] = pathsOf(value).filter((p) => p.length > 0 && p.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value) === TYPICAL_TEXT);
    if (first !== undefined) {
      for (const text of [`${TYPICAL_TEXT}\ud800`, `${TYPICAL_TEXT}\u202eevil`]) aimed.push({ path, body: { kind: 'json', value: mutate(value, first, { kind: 'replace', with: text }) } });
    }
  }
  return aimed;
}

const TYPICAL_TEXT = 'Ada';

/** A plain value the schema accepts: required fields only (plus one free-text field), this licence's first ids. */
function typicalValue(schema: JsonSchema, pools: IdPools, seed: number, name = '', depth = 0): unknown {
  if (depth > 5) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined && schema.enum.length > 0) return schema.enum[0];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined && alternatives.length > 0) return typicalValue(alternatives.find((a) => a.type !== 'null') ?? alternatives[0] ?? {}, pools, seed, name, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string': {
      const kind = idKindOf(name);
      if (isUuidSchema(schema)) return (kind === null ? undefined : pools.own[kind]?.[0]) ?? Object.values(pools.own).flat()[0];
      if (schema.format === 'date-time') return '2026-01-01T00:00:00.000Z';
      if (/email/i.test(name)) return 'grace@example.com';
      if (/^(licence|code)$/.test(name)) return pools.licenceCodes[0];
      if (schema.pattern !== undefined) return fc.sample(matching(schema.pattern) ?? fc.constant('x'), { seed, numRuns: 1 })[0];
      return TYPICAL_TEXT.padEnd(schema.minLength ?? 0, 'a');
    }
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, Math.min(10, schema.maximum ?? 10));
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => typicalValue(schema.items ?? {}, pools, seed, name, depth + 1));
    case 'object': {
      const properties = schema.properties ?? {};
      const keys = (schema.required ?? []).filter((key) => key in properties);
      const isText = (child: JsonSchema) => child.type === 'string' && child.format === undefined && child.pattern === undefined && child.enum === undefined;
      const text = Object.entries(properties).find(([key, child]) => isText(child) && !/email|password|token|code|secret/i.test(key))?.[0];
      if (text !== undefined && !keys.includes(text)) keys.push(text);
      return Object.fromEntries(keys.map((key) => [key, typicalValue(properties[key] ?? {}, pools, seed, key, depth + 1)]));
    }
    default:
      return null;
  }
}
