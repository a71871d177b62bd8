import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, startTestApp, type TestApp } from '../support/app.ts';
import { ERROR_SCHEMA, provisioningToken, scimUser } from '../support/scim.ts';

// The identity provider's bursts meet the same invariants as the console's: the seat limit and
// unique logins hold because the database keeps them (a locked licence row, a unique index).
// Run on PostgreSQL too (TEST_DATABASE_URL), where the requests really run at once.

let test: TestApp;
beforeAll(async () => {
  test = await startTestApp();
});
afterAll(() => test.close());

describe('simultaneous SCIM creations', () => {
  it('give the last free seat to exactly one of 20; the others are told the seat limit is reached', async () => {
    const fixture = await createLicence(test, { seatLimit: 2 });
    const { scim } = await provisioningToken(test, fixture);
    const answers = await Promise.all(Array.from({ length: 20 }, () => scim.post('/Users', scimUser())));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    const refused = answers.filter((answer) => answer.status === 409);
    expect(refused).toHaveLength(19);
    for (const answer of refused) {
      expect(answer.body).toEqual({ schemas: [ERROR_SCHEMA], status: '409', detail: expect.stringMatching(/seat limit/) });
    }
    expect((await fixture.adminClient.get('/api/v1/licence')).body.seatsUsed).toBe(2);
    expect((await scim.get('/Users?count=0')).body.totalResults).toBe(2);
  });

  it('create one userName sent 20 times in mixed case exactly once', async () => {
    const fixture = await createLicence(test);
    const { scim } = await provisioningToken(test, fixture);
    const base = scimUser();
    const spellings = Array.from({ length: 20 }, (_, i) => [...base.userName].map((c, j) => ((i >> j % 5) & 1 ? c.toUpperCase() : c)).join(''));
    const answers = await Promise.all(spellings.map((userName) => scim.post('/Users', { ...base, userName })));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 409).map((answer) => answer.body.scimType)).toEqual(Array(19).fill('uniqueness'));
  });

  it('apply exactly one of 20 PATCHes sent with the same If-Match; the others get 412', async () => {
    const fixture = await createLicence(test);
    const { scim } = await provisioningToken(test, fixture);
    const created = (await scim.post('/Users', scimUser())).body;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => scim.patch(`/Users/${created.id}`, [{ op: 'replace', path: 'name.givenName', value: `Name ${i}` }], { 'if-match': created.meta.version })),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 412)).toHaveLength(19);
  });
});
