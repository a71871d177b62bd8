import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, startTestApp, type TestApp } from '../support/app.ts';

// The database keeps the invariants concurrency could break: the seat limit and unique logins.

let test: TestApp;
beforeAll(async () => {
  test = await startTestApp();
});
afterAll(() => test.close());

describe('simultaneous creations', () => {
  it('give the last free seat to exactly one of 20', async () => {
    const fixture = await createLicence(test, { seatLimit: 2 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => fixture.adminClient.post('/api/v1/users', newUser(fixture))));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.code)).toEqual(Array(19).fill('seat_limit_reached'));
    expect((await fixture.adminClient.get('/api/v1/licence')).body.seatsUsed).toBe(2);
  });

  it('create one login in mixed case exactly once', async () => {
    const fixture = await createLicence(test);
    const base = newUser(fixture);
    const spellings = Array.from({ length: 20 }, (_, i) =>
      [...base.login].map((c, j) => ((i >> j % 5) & 1 ? c.toUpperCase() : c)).join(''),
    );
    const answers = await Promise.all(spellings.map((login) => fixture.adminClient.post('/api/v1/users', { ...base, login })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.code)).toEqual(Array(19).fill('login_taken'));
    const found = await fixture.adminClient.get(`/api/v1/users?q=${base.login}`);
    expect(found.body.items).toHaveLength(1);
  });
});
