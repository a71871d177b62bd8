import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';
import type { HttpClient } from '../support/http.ts';
import { provisioningToken, scimUser, type ScimClient } from '../support/scim.ts';

// Crafted input is refused as input, never reaches a query and never leaves its values in the log:
// every list's cursor, every free-text field, and a query that fails all the same.

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  pattern?: string;
  format?: string;
  enum?: unknown[];
}
interface Operation {
  parameters?: { in: string; name: string; schema: SchemaNode }[];
  requestBody?: { content: Record<string, { schema: SchemaNode }> };
}
type Document = { paths: Record<string, Record<string, Operation>> };

const lines: string[] = [];
let test: TestApp;
let fixture: LicenceFixture;
let document: Document;

let scim: ScimClient;
let scimUserId: string;

beforeAll(async () => {
  test = await startTestApp({}, { log: { write: (line: string) => void lines.push(line) } });
  fixture = await createLicence(test);
  document = (await test.anonymous().get('/openapi.json')).body;
  ({ scim } = await provisioningToken(test, fixture));
  scimUserId = (await scim.post('/Users', scimUser())).body.id;
});

/** `extra` laid over `base`, objects merged key by key (a SCIM user with one attribute changed). */
function merged(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const under = result[key];
    result[key] = typeof value === 'object' && value !== null && typeof under === 'object' && under !== null ? merged(under as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return result;
}
afterAll(() => test.close());

const base64url = (text: string) => Buffer.from(text).toString('base64url');
/** The caller who passes the route's authentication, so what answers is the input's check. */
const callerOf = (path: string): HttpClient => (path.startsWith('/operator/') ? test.operator : fixture.adminClient);
const concrete = (template: string) => template.replace(/\{code\}/g, fixture.code).replace(/\{[^}]+\}/g, () => randomUUID());

const operations = () =>
  Object.entries(document.paths).flatMap(([template, methods]) => Object.entries(methods).map(([method, operation]) => ({ template, method: method.toUpperCase(), operation })));

describe('a cursor we did not make', () => {
  const crafted = [
    base64url('["x","y"]'),
    base64url('[1,2]'),
    base64url('["2026-01-01T00:00:00.000Z","not-an-id"]'),
    base64url('["admin","not-an-id"]'),
    base64url(`["a\\u0000","${randomUUID()}"]`),
    base64url(`["a","${randomUUID()}","c"]`),
    base64url('{"at":"x"}'),
    base64url('null'),
    base64url('"x"'),
    base64url('[]'),
    'garbage!!',
    '%%%',
    '',
    `${base64url(`["2026-01-01T00:00:00.000Z","${randomUUID()}"]`)}==`,
  ];

  it('is refused with 400 invalid_cursor naming the cursor, on every list', async () => {
    const lists = operations().filter(({ method, operation }) => method === 'GET' && operation.parameters?.some((p) => p.in === 'query' && p.name === 'cursor'));
    expect(lists.map((list) => list.template)).toEqual(
      expect.arrayContaining(['/api/v1/users', '/api/v1/audit-events', '/api/v1/licence-accesses/users', '/api/v1/transfer-box', '/api/v1/api-accounts', '/operator/v1/licences']),
    );
    const wrong: string[] = [];
    for (const { template } of lists) {
      for (const cursor of crafted) {
        const answer = await callerOf(template).get(`${concrete(template)}?cursor=${encodeURIComponent(cursor)}`);
        const named = answer.body?.errors?.some((e: { field: string; code: string }) => e.field === 'cursor' && e.code === 'invalid_cursor');
        if (answer.status !== 400 || answer.body.code !== 'invalid_cursor' || !named) wrong.push(`${template} ${cursor} → ${answer.status} ${answer.body?.code}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('still pages with the cursors the lists give', async () => {
    for (let i = 0; i < 3; i++) expect((await fixture.adminClient.post('/api/v1/users', newUser(fixture))).status).toBe(201);
    for (const path of ['/api/v1/users', '/api/v1/audit-events']) {
      const first = await fixture.adminClient.get(`${path}?limit=1`);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await fixture.adminClient.get(`${path}?limit=1&cursor=${first.body.nextCursor}`);
      expect(second.status).toBe(200);
      expect(second.body.items[0]).not.toEqual(first.body.items[0]);
    }
  });
});

describe('free text', () => {
  /** Secrets and opaque values are compared as sent, not read by people; identifiers have their own checks. */
  const NOT_TEXT = new Set(['password', 'currentPassword', 'newPassword', 'token', 'challenge', 'content', 'code', 'permission', 'entity']);

  /** Every free-text field of the bodies, as its dotted path: strings without a pattern, format or set of values. */
  function textFields(schema: SchemaNode | undefined, prefix = ''): string[] {
    return Object.entries(schema?.properties ?? {}).flatMap(([name, node]) => {
      if (node.type === 'object') return textFields(node, `${prefix}${name}.`);
      const free = node.type === 'string' && node.pattern === undefined && node.format === undefined && node.enum === undefined;
      return free && !NOT_TEXT.has(name) ? [`${prefix}${name}`] : [];
    });
  }
  const bodyWith = (field: string, value: string): Record<string, unknown> => {
    const [head, ...rest] = field.split('.');
    return { [head!]: rest.length === 0 ? value : bodyWith(rest.join('.'), value) };
  };

  for (const [label, value] of [
    ['an unpaired surrogate', 'Ada \ud800'],
    ['a right-to-left override', 'Ada \u202egnp.exe'],
    ['a bidi isolate', 'Ada \u2067x\u2069'],
  ] as const) {
    it(`refuses ${label} in every free-text field of every body, with 422 naming the field`, async () => {
      const wrong: string[] = [];
      let checked = 0;
      for (const { template, method, operation } of operations()) {
        for (const field of textFields(operation.requestBody?.content['application/json']?.schema)) {
          if (template.startsWith('/scim/')) {
            // SCIM answers in its own format: 400 invalidValue, the detail naming the attribute.
            const path = template.replace('/scim/v2', '').replace('{id}', scimUserId);
            const answer = await scim.request(method, path, merged(scimUser(), bodyWith(field, value)));
            checked += 1;
            if (answer.status !== 400 || !String(answer.body?.detail).includes(field)) wrong.push(`${method} ${template} ${field} → ${answer.status} ${JSON.stringify(answer.body)}`);
            continue;
          }
          const caller = template.startsWith('/api/v1/auth/') ? test.anonymous() : callerOf(template);
          const answer = await caller.request(method, concrete(template), bodyWith(field, value));
          checked += 1;
          const named = answer.body?.errors?.some((e: { field: string }) => e.field === field);
          if (answer.status !== 422 || !named) wrong.push(`${method} ${template} ${field} → ${answer.status} ${JSON.stringify(answer.body?.errors ?? answer.body)}`);
        }
      }
      expect(checked).toBeGreaterThan(15);
      expect(wrong).toEqual([]);
    });
  }

  it('refuses them in free-text filters of lists too', async () => {
    for (const [path, name] of [
      ['/api/v1/users', 'q'],
      ['/api/v1/audit-events', 'actor'],
      ['/api/v1/licence-accesses/users', 'login'],
    ] as const) {
      const answer = await fixture.adminClient.get(`${path}?${name}=${encodeURIComponent('Ada \u202e')}`);
      expect(answer.status, `${path} ${name}`).toBe(422);
      expect(answer.body.errors).toEqual([expect.objectContaining({ field: name, code: 'bidi_control' })]);
    }
  });

  it('refuses a lone surrogate in a name where it gave a 500, and creates nothing', async () => {
    const input = newUser(fixture, { firstName: 'Ada\ud800' });
    const answer = await fixture.adminClient.post('/api/v1/users', input);
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'firstName', code: 'unpaired_surrogate' })]);
    expect((await fixture.adminClient.get(`/api/v1/users?q=${input.login}`)).body.items).toEqual([]);
  });
});

describe('a query that fails', () => {
  it('leaves no query parameter, nor any value of the row, in the log', async () => {
    // A trigger makes the insert fail in the database itself, as a broken constraint or a bug would.
    await test.database.handle.inScriptTransaction((_exec, script) =>
      script(`
        CREATE FUNCTION gatehouse_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
        CREATE TRIGGER gatehouse_test_refuse BEFORE INSERT ON entities FOR EACH ROW EXECUTE FUNCTION gatehouse_test_refuse();
      `),
    );
    try {
      const marker = `Marker${randomUUID().replaceAll('-', '')}`;
      const before = lines.length;
      const answer = await test.operator.post(`/operator/v1/licences/${fixture.code}/entities`, { code: `e${Date.now()}`, name: marker });
      expect(answer.status).toBe(500);
      expect(JSON.stringify(answer.body)).not.toContain(marker);
      const logged = lines.slice(before).join('');
      expect(logged).toContain('request failed');
      expect(logged).toContain('refused by the test');
      expect(logged).not.toContain(marker);
      expect(logged).not.toMatch(/params:/);
    } finally {
      await test.database.handle.inScriptTransaction((_exec, script) => script('DROP TRIGGER gatehouse_test_refuse ON entities; DROP FUNCTION gatehouse_test_refuse();'));
    }
  });
});
