import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

describe('service endpoints', () => {
  it('answers health and readiness', async () => {
    expect((await test.anonymous().get('/healthz')).status).toBe(200);
    expect((await test.anonymous().get('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('serves Prometheus metrics with request durations', async () => {
    const metrics = await test.anonymous().get('/metrics');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.body).toContain('gatehouse_http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('route="/api/v1/rights-configurations"');
  });

  it('serves the OpenAPI document generated from the routes, and its reference page', async () => {
    const openapi = await test.anonymous().get('/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    const paths = Object.keys(openapi.body.paths);
    for (const path of ['/api/v1/users', '/api/v1/users/{id}', '/api/v1/auth/login', '/operator/v1/licences', '/operator/v1/licences/{code}/rights-configurations']) {
      expect(paths).toContain(path);
    }
    expect(openapi.body.paths['/api/v1/users'].post.requestBody.content['application/json'].schema.required).toContain('login');
    const docs = await test.anonymous().request('GET', '/docs/');
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toContain('swagger');
  });
});

describe('bad requests', () => {
  it('answers 413 to a body over 64 KiB and writes nothing', async () => {
    const answer = await fixture.adminClient.post('/api/v1/users', { ...newUser(fixture), firstName: 'x'.repeat(70 * 1024) });
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('payload_too_large');
  });

  it('answers malformed JSON with a problem naming the body', async () => {
    const answer = await fixture.adminClient.request('POST', '/api/v1/users', '{"login": ', { 'content-type': 'application/json' });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'body', code: 'invalid_json' })]);
  });

  it('answers wrong types with the field named', async () => {
    const answer = await fixture.adminClient.post('/api/v1/users', { ...newUser(fixture), firstName: 42, configurationId: null });
    expect(answer.status).toBe(422);
    const codes = Object.fromEntries(answer.body.errors.map((e: { field: string; code: string }) => [e.field, e.code]));
    expect(codes).toMatchObject({ firstName: 'invalid_type', configurationId: 'invalid_type' });
  });

  it('answers a malformed id in the path with the field named', async () => {
    const answer = await fixture.adminClient.get('/api/v1/users/not-a-uuid');
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'id', code: 'invalid_format' })]);
  });

  it('answers unknown query parameters and routes with problems', async () => {
    expect((await fixture.adminClient.get('/api/v1/users?colour=blue')).body.errors).toEqual([expect.objectContaining({ field: 'colour', code: 'unknown_field' })]);
    const missing = await fixture.adminClient.get('/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });

  it('needs a session for the API', async () => {
    const answer = await test.anonymous().get('/api/v1/users');
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('unauthenticated');
  });
});
