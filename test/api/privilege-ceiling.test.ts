import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurationId, createLicence, newUser, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

// Who may grant what: an unchanged configuration is never checked again, and (below) nobody grants
// more than they hold.

let test: TestApp;
let fixture: LicenceFixture;

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test, { seatLimit: 50 });
});
afterAll(() => test.close());

describe('a user who holds the Admin configuration', () => {
  it('edits their own gender and mobile', async () => {
    const answer = await fixture.adminClient.patch(`/api/v1/users/${fixture.admin.id}`, { gender: 'female', mobile: '+33698765432' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ gender: 'female', mobile: '+33698765432', configuration: { name: 'Admin' } });
  });

  it('is editable by another admin in everything but the configuration', async () => {
    const other = await test.operator.post(`/operator/v1/licences/${fixture.code}/users`, newUser(fixture, { configurationId: configurationId(fixture, 'admin') }));
    expect(other.status).toBe(201);
    const renamed = await fixture.adminClient.patch(`/api/v1/users/${other.body.id}`, { firstName: 'Ada', lastName: 'Byron', configurationId: configurationId(fixture, 'admin') });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ firstName: 'Ada', lastName: 'Byron', configuration: { name: 'Admin' } });

    const demoted = await fixture.adminClient.patch(`/api/v1/users/${other.body.id}`, { configurationId: configurationId(fixture, 'user') });
    expect(demoted.status).toBe(422);
    expect(demoted.body.errors).toEqual([expect.objectContaining({ field: 'configurationId', code: 'not_assignable' })]);
  });
});
