import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

// The OpenAPI document is the complete reference: every operation declares the error answers it
// can give, each a Problem document (one shared component), consistent with who may call it.

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, { properties?: Record<string, { enum?: string[] }> }> } };

let test: TestApp;
let document: Document;
beforeAll(async () => {
  test = await startTestApp();
  document = (await test.anonymous().get('/openapi.json')).body;
});
afterAll(() => test.close());

const operations = () =>
  Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })));

describe('the OpenAPI document', () => {
  it('holds the problem document once, as a component with every stable code', () => {
    const problem = document.components?.schemas?.Problem;
    expect(problem).toBeDefined();
    expect(problem?.properties?.code?.enum).toEqual(expect.arrayContaining(['validation_failed', 'unauthenticated', 'not_found', 'invalid_cursor', 'cross_site_request', 'unsupported_media_type']));
  });

  it('declares on every operation the errors that its access, method, parameters and body make possible', async () => {
    const missing: string[] = [];
    const expectStatus = (label: string, operation: Operation, status: string) => {
      if (operation.responses[status] === undefined) missing.push(`${label} lacks ${status}`);
    };
    for (const { path, method, operation } of operations()) {
      const label = `${method} ${path}`;
      // Who may call it, asked of the server itself: without credentials, a protected route answers 401.
      const concrete = path.replace(/\{[^}]+\}/g, () => randomUUID());
      const anonymous = await test.anonymous().request(method, concrete, method === 'GET' ? undefined : {});
      if (anonymous.status === 401 && anonymous.body?.code === 'unauthenticated') {
        expectStatus(label, operation, '401');
        expectStatus(label, operation, '403');
      }
      if (method !== 'GET') {
        expectStatus(label, operation, '403');
        if (operation.requestBody !== undefined) expectStatus(label, operation, '415');
      }
      if (path.includes('{')) expectStatus(label, operation, '404');
      if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined) expectStatus(label, operation, '422');
      if (operation.parameters?.some((p) => p.in === 'query' && p.name === 'cursor')) expectStatus(label, operation, '400');
    }
    for (const path of ['/api/v1/auth/login', '/api/v1/auth/password-reset']) expectStatus(`POST ${path}`, document.paths[path]!.post!, '429');
    expect(missing).toEqual([]);
  });

  it('describes every error answer but the OAuth endpoint’s own and SCIM’s as a Problem', () => {
    const other: string[] = [];
    for (const { path, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^4\d\d$/.test(status)) continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        const oauth = path === '/api/v1/auth/token' && ['400', '401', '429'].includes(status);
        // SCIM answers its own error documents (RFC 7644 §3.12), declared as such.
        const scim = path.startsWith('/scim/v2/') && ref === '#/components/schemas/ScimError';
        if (!oauth && !scim && ref !== '#/components/schemas/Problem') other.push(`${method} ${path} ${status}`);
      }
    }
    expect(other).toEqual([]);
  });

  it('keeps what a route declares itself', () => {
    const token = document.paths['/api/v1/auth/token']!.post!;
    expect(JSON.stringify(token.responses['401'])).toContain('error');
    expect(token.responses['401']?.content?.['application/json']?.schema?.$ref).toBeUndefined();
  });

  it('still answers errors through the declared schema, extensions included', async () => {
    const unauthenticated = await test.anonymous().get('/api/v1/users');
    expect(unauthenticated.body).toEqual({ type: expect.any(String), title: expect.any(String), status: 401, detail: expect.any(String), code: 'unauthenticated' });
    const invalid = await test.operator.get('/operator/v1/licences?limit=0');
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'limit' })]);
  });
});
