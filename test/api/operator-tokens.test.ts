import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

let test: TestApp;
beforeAll(async () => {
  test = await startTestApp();
});
afterAll(() => test.close());

const trail = async (id: string) => (await test.operator.get(`/operator/v1/audit-events?target=${id}`)).body.items;

describe('operator tokens', () => {
  it('are created once, listed without their secret, used, and refused at once when revoked', async () => {
    const created = await test.operator.post('/operator/v1/operator-tokens', { name: 'billing service' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'billing service', token: expect.stringMatching(/^gho_/), scopes: ['operator'] });
    const billing = test.anonymous().withBearer(created.body.token);
    expect((await billing.get('/operator/v1/licences')).status).toBe(200);

    const listed = await test.operator.get('/operator/v1/operator-tokens');
    const entry = listed.body.items.find((item: { id: string }) => item.id === created.body.id);
    expect(entry).toEqual({ id: created.body.id, name: 'billing service', scopes: ['operator'], createdAt: expect.any(String), lastUsedAt: expect.any(String), revokedAt: null });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);

    // A token may revoke itself; the answer is the last one it gets.
    const revoked = await billing.post(`/operator/v1/operator-tokens/${created.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const refused = await billing.get('/operator/v1/licences');
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('unauthenticated');

    // Revoking again changes nothing; an unknown or malformed id is named.
    const again = await test.operator.post(`/operator/v1/operator-tokens/${created.body.id}/revoke`);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    expect((await test.operator.post('/operator/v1/operator-tokens/00000000-0000-4000-8000-000000000000/revoke')).status).toBe(404);
    const malformed = await test.operator.post('/operator/v1/operator-tokens/nope/revoke');
    expect(malformed.status).toBe(422);
    expect(malformed.body.errors[0]).toMatchObject({ field: 'id', code: 'invalid_format' });

    expect(await trail(created.body.id)).toEqual([
      expect.objectContaining({ action: 'operator-token.revoke', actor: expect.objectContaining({ kind: 'operator', id: created.body.id, name: 'billing service' }) }),
      expect.objectContaining({ action: 'operator-token.create', actor: expect.objectContaining({ name: 'bootstrap' }), target: expect.objectContaining({ name: 'billing service' }) }),
    ]);
  });

  it('need a name and an operator', async () => {
    const unnamed = await test.operator.post('/operator/v1/operator-tokens', { name: '  ' });
    expect(unnamed.status).toBe(422);
    expect(unnamed.body.errors[0]).toMatchObject({ field: 'name' });
    expect((await test.anonymous().get('/operator/v1/operator-tokens')).status).toBe(401);
    expect((await test.anonymous().post('/operator/v1/operator-tokens', { name: 'x' })).status).toBe(401);
  });
});
