import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

// Classes of defect the fuzz test (test/api/fuzz.test.ts) found, each pinned by a focused test.

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

describe('requests refused before routing', () => {
  it.each([
    ['a lone surrogate as invalid UTF-8 in an id', '/api/v1/users/%ED%A0%80'],
    ['a truncated escape', '/api/v1/users/%E2%82'],
    ['an escape that is no escape', '/operator/v1/licences/%zz'],
    ['an id longer than the router takes', `/api/v1/api-accounts/${'x'.repeat(2_000)}/deactivate`],
    ['a licence code longer than the router takes', `/operator/v1/licences/${'x'.repeat(2_000)}/entity-groups`],
  ])('answers a path with %s as a 404 problem', async (_what, path) => {
    for (const client of [test.anonymous(), fixture.adminClient, test.operator]) {
      const answer = path.endsWith('/deactivate') || path.endsWith('/entity-groups') ? await client.post(path, {}) : await client.get(path);
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 404, code: 'not_found', title: expect.any(String), type: expect.any(String) });
    }
  });
});
