import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurationId, createLicence, newUser, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

const events = async (query = '') => (await fixture.adminClient.get(`/api/v1/audit-events${query}`)).body.items as any[];

describe('the audit trail', () => {
  it('records who changed what, before and after, with secrets never', async () => {
    const input = newUser(fixture);
    const created = await fixture.adminClient.post('/api/v1/users', input);
    await fixture.adminClient.patch(`/api/v1/users/${created.body.id}`, { lastName: 'Lovelace', configurationId: configurationId(fixture, 'reviewer') });
    await fixture.adminClient.post(`/api/v1/users/${created.body.id}/deactivate`);
    await fixture.adminClient.post(`/api/v1/users/${created.body.id}/password-reset`);

    const trail = await events(`?target=${created.body.id}`);
    expect(trail.map((e) => e.action)).toEqual(['user.password_reset', 'user.deactivate', 'user.update', 'user.create']);
    const update = trail.find((e) => e.action === 'user.update');
    expect(update).toMatchObject({
      actor: { kind: 'user', id: fixture.admin.id, name: 'admin' },
      target: { kind: 'user', id: created.body.id, name: input.login },
      before: { lastName: 'Hopper', configurationId: configurationId(fixture, 'user') },
      after: { lastName: 'Lovelace', configurationId: configurationId(fixture, 'reviewer') },
      ip: '127.0.0.1',
    });
    expect(Object.keys(update.after).sort()).toEqual(['configurationId', 'lastName']);
    expect(JSON.stringify(trail)).not.toMatch(/password_hash|passwordHash|\$argon2/);
  });

  it('records operators’ changes and filters by actor, action and time', async () => {
    await test.operator.post(`/operator/v1/licences/${fixture.code}/entities`, { code: 'lyon', name: 'Lyon' });
    // A person by login or by full name, either way round and in any case.
    const byAdmin = (await events('?actor=admin&limit=500')).map((e) => e.id);
    expect(byAdmin.length).toBeGreaterThan(0);
    for (const name of ['Ada Admin', 'ADMIN ada', 'ada admin']) expect((await events(`?actor=${encodeURIComponent(name)}&limit=500`)).map((e) => e.id), name).toEqual(byAdmin);
    expect(await events(`?actor=${encodeURIComponent('Ada Other')}`)).toEqual([]);
    const byOperator = await events('?actor=bootstrap');
    expect(byOperator.map((e) => e.action)).toEqual(expect.arrayContaining(['entity.create', 'licence.create', 'user.create']));
    expect(byOperator.every((e) => e.actor.kind === 'operator')).toBe(true);
    expect((await events('?action=entity.create')).map((e) => e.target.name)).toEqual(['lyon']);
    expect(await events(`?from=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);

    const operatorView = await test.operator.get(`/operator/v1/audit-events?licence=${fixture.code}&action=entity.create`);
    expect(operatorView.body.items).toEqual([expect.objectContaining({ licence: fixture.code, action: 'entity.create' })]);
  });

  it('shows a licence its own events only', async () => {
    const other = await createLicence(test);
    await other.adminClient.post('/api/v1/users', newUser(other, { lastName: 'Elsewhere' }));
    const mine = await events('?limit=500');
    expect(mine.every((e) => e.licence === fixture.code)).toBe(true);
    expect(JSON.stringify(mine)).not.toContain('Elsewhere');
  });

  it('pages newest first', async () => {
    const first = await fixture.adminClient.get('/api/v1/audit-events?limit=2');
    const second = await fixture.adminClient.get(`/api/v1/audit-events?limit=2&cursor=${first.body.nextCursor}`);
    const all = await events('?limit=4');
    expect([...first.body.items, ...second.body.items].map((e: { id: string }) => e.id)).toEqual(all.map((e) => e.id));
  });

  it('cannot be altered, not even by the database’s own users', async () => {
    const refused = await test.app.context.db.execute(sql`UPDATE audit_events SET actor_name = 'someone else'`).then(() => 'updated', (error: Error) => String(error.cause ?? error));
    expect(refused).toMatch(/append-only/);
    const deleted = await test.app.context.db.execute(sql`DELETE FROM audit_events`).then(() => 'deleted', (error: Error) => String(error.cause ?? error));
    expect(deleted).toMatch(/append-only/);
  });

  it('is for admins', async () => {
    const input = newUser(fixture, { configurationId: configurationId(fixture, 'advanced-user') });
    await fixture.adminClient.post('/api/v1/users', input);
    const { signIn } = await import('../support/app.ts');
    const user = await signIn(test, fixture.code, input);
    expect((await user.get('/api/v1/audit-events')).status).toBe(403);
  });
});
