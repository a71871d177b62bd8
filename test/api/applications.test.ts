import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApplicationByClientId } from '../../src/features/applications/store.ts';
import { listenForChanges, type Change } from '../../src/platform/changes.ts';
import { hashToken } from '../../src/platform/crypto.ts';
import { createLicence, startTestApp, type TestApp } from '../support/app.ts';

// Operators register the platform's applications for the OpenID Provider: web apps and services get a
// client secret shown once and stored as its hash; every change is audited and announced.

let test: TestApp;
let heard: Change[] = [];
let stopListening: () => Promise<void>;
beforeAll(async () => {
  test = await startTestApp();
  stopListening = await listenForChanges(test.database.handle, (change) => heard.push(change), () => undefined);
});
afterAll(async () => {
  await stopListening();
  await test.close();
});

const web = (overrides: Record<string, unknown> = {}) => ({
  name: 'Campaigns',
  kind: 'web',
  redirectUris: ['https://campaigns.example.com/callback'],
  postLogoutRedirectUris: ['https://campaigns.example.com/'],
  backchannelLogoutUri: 'https://campaigns.example.com/backchannel-logout',
  application: 'email-campaigns.campaigns',
  ...overrides,
});

const stored = (clientId: string) => findApplicationByClientId(test.app.context.db, clientId);
const trail = async (id: string) => (await test.operator.get(`/operator/v1/audit-events?target=${id}`)).body.items;

/** Waits until every process would have heard that this client changed. */
async function announced(clientId: string) {
  await expect.poll(() => heard.some((change) => change.kind === 'application' && change.clientId === clientId)).toBe(true);
  heard = [];
}

describe('registering an application', () => {
  it('gives a web app its secret once, keeps only the hash, and lists it without secrets', async () => {
    const created = await test.operator.post('/operator/v1/applications', web());
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), clientId: expect.stringMatching(/^app_[A-Za-z0-9_-]{22}$/), clientSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const { id, clientId, clientSecret } = created.body;
    await announced(clientId);

    const row = await stored(clientId);
    expect(row).toMatchObject({ id, kind: 'web', secretHash: hashToken(clientSecret), redirectUris: ['https://campaigns.example.com/callback'], application: 'email-campaigns.campaigns', scopes: [] });
    expect(JSON.stringify(row)).not.toContain(clientSecret);

    const one = await test.operator.get(`/operator/v1/applications/${id}`);
    expect(one.body).toEqual({
      id,
      clientId,
      name: 'Campaigns',
      kind: 'web',
      redirectUris: ['https://campaigns.example.com/callback'],
      postLogoutRedirectUris: ['https://campaigns.example.com/'],
      backchannelLogoutUri: 'https://campaigns.example.com/backchannel-logout',
      application: 'email-campaigns.campaigns',
      scopes: [],
      idTokenSigningAlg: 'RS256',
      hasSecret: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      secretRotatedAt: null,
    });
    const listed = await test.operator.get('/operator/v1/applications');
    expect(listed.body.items).toContainEqual(one.body);
    for (const answer of [one, listed]) {
      expect(JSON.stringify(answer.body)).not.toContain(clientSecret);
      expect(JSON.stringify(answer.body)).not.toContain(hashToken(clientSecret));
    }

    expect(await trail(id)).toEqual([
      expect.objectContaining({ action: 'application.create', licence: null, actor: expect.objectContaining({ kind: 'operator', name: 'bootstrap' }), target: expect.objectContaining({ kind: 'application', name: 'Campaigns' }) }),
    ]);
    expect(JSON.stringify(await trail(id))).not.toContain(clientSecret);
  });

  it('gives single-page and native apps no secret: they are public clients', async () => {
    const spa = await test.operator.post('/operator/v1/applications', web({ kind: 'spa', name: 'Dashboard', redirectUris: ['http://localhost:5173/callback'] }));
    expect(spa.status).toBe(201);
    expect(spa.body.clientSecret).toBeNull();
    expect((await stored(spa.body.clientId))?.secretHash).toBeNull();

    const native = await test.operator.post('/operator/v1/applications', { name: 'Mobile', kind: 'native', redirectUris: ['com.example.app:/callback', 'http://127.0.0.1/callback', 'http://[::1]:8123/cb'] });
    expect(native.status).toBe(201);
    expect(native.body.clientSecret).toBeNull();
    expect((await test.operator.get(`/operator/v1/applications/${native.body.id}`)).body).toMatchObject({ kind: 'native', hasSecret: false, postLogoutRedirectUris: [], backchannelLogoutUri: null, application: null });
  });

  it('gives a service a secret and its scopes, and no redirect URIs', async () => {
    const created = await test.operator.post('/operator/v1/applications', { name: 'Billing', kind: 'service', redirectUris: [], scopes: ['decisions:read', 'users:read'], application: 'email-campaigns' });
    expect(created.status).toBe(201);
    expect(created.body.clientSecret).toEqual(expect.any(String));
    expect(await stored(created.body.clientId)).toMatchObject({ kind: 'service', scopes: ['decisions:read', 'users:read'], redirectUris: [], application: 'email-campaigns', secretHash: hashToken(created.body.clientSecret) });
    // A service receives no ID token: nothing is said of how one would be signed.
    expect((await test.operator.get(`/operator/v1/applications/${created.body.id}`)).body.idTokenSigningAlg).toBeNull();
  });
});

describe('how an application’s ID tokens are signed', () => {
  it('is RS256 unless ES256 is chosen, can change, is audited and announced', async () => {
    const created = await test.operator.post('/operator/v1/applications', web({ name: 'Surveys', idTokenSigningAlg: 'ES256' }));
    expect(created.status).toBe(201);
    const { id, clientId } = created.body;
    await announced(clientId);
    expect((await test.operator.get(`/operator/v1/applications/${id}`)).body.idTokenSigningAlg).toBe('ES256');
    expect((await stored(clientId))?.idTokenSigningAlg).toBe('ES256');
    expect(await trail(id)).toEqual([expect.objectContaining({ action: 'application.create', after: expect.objectContaining({ idTokenSigningAlg: 'ES256' }) })]);

    const back = await test.operator.patch(`/operator/v1/applications/${id}`, { idTokenSigningAlg: 'RS256' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ id, name: 'Surveys', idTokenSigningAlg: 'RS256' });
    await announced(clientId);
    expect((await test.operator.get(`/operator/v1/applications/${id}`)).body.idTokenSigningAlg).toBe('RS256');
    const [update] = await trail(id);
    expect(update).toMatchObject({ action: 'application.update', before: { idTokenSigningAlg: 'ES256' }, after: { idTokenSigningAlg: 'RS256' } });

    const spa = await test.operator.post('/operator/v1/applications', { name: 'Kiosk', kind: 'spa', redirectUris: ['http://localhost:5173/callback'] });
    expect((await test.operator.get(`/operator/v1/applications/${spa.body.id}`)).body.idTokenSigningAlg).toBe('RS256');
  });

  it('refuses a choice for a service, or an algorithm not offered, naming the field and changing nothing', async () => {
    const count = async () => (await test.operator.get('/operator/v1/applications')).body.items.length;
    const before = await count();
    const service = await test.operator.post('/operator/v1/applications', { name: 'Exports', kind: 'service', redirectUris: [], idTokenSigningAlg: 'ES256' });
    expect(service.status).toBe(422);
    expect(service.body.errors).toEqual([expect.objectContaining({ field: 'idTokenSigningAlg', code: 'not_allowed' })]);
    for (const alg of ['HS256', 'none', 'es256', 'PS256']) {
      const bad = await test.operator.post('/operator/v1/applications', web({ name: 'Exports', idTokenSigningAlg: alg }));
      expect(bad.status, alg).toBe(422);
      expect(bad.body.errors).toContainEqual(expect.objectContaining({ field: 'idTokenSigningAlg', code: 'invalid_value' }));
    }
    expect(await count()).toBe(before);

    const { id: serviceId, clientId: serviceClientId } = (await test.operator.post('/operator/v1/applications', { name: 'Exports', kind: 'service', redirectUris: [], scopes: ['users:read'] })).body;
    const { id: webId, clientId: webClientId } = (await test.operator.post('/operator/v1/applications', web({ name: 'Polls', idTokenSigningAlg: 'ES256' }))).body;
    const serviceBefore = await stored(serviceClientId);
    const webBefore = await stored(webClientId);
    for (const alg of ['RS256', 'ES256']) {
      const refused = await test.operator.patch(`/operator/v1/applications/${serviceId}`, { name: 'Exports 2', idTokenSigningAlg: alg });
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'idTokenSigningAlg', code: 'not_allowed' })]);
    }
    const bad = await test.operator.patch(`/operator/v1/applications/${webId}`, { name: 'Polls 2', idTokenSigningAlg: 'HS256' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toContainEqual(expect.objectContaining({ field: 'idTokenSigningAlg', code: 'invalid_value' }));
    expect(await stored(serviceClientId)).toEqual(serviceBefore);
    expect(await stored(webClientId)).toEqual(webBefore);
    expect((await test.operator.get(`/operator/v1/applications/${webId}`)).body).toMatchObject({ name: 'Polls', idTokenSigningAlg: 'ES256' });
    expect(await trail(serviceId)).toHaveLength(1);
    expect(await trail(webId)).toHaveLength(1);
    // A service's other fields still change without it.
    const renamed = await test.operator.patch(`/operator/v1/applications/${serviceId}`, { name: 'Exports 2' });
    expect(renamed.body).toMatchObject({ name: 'Exports 2', idTokenSigningAlg: null });
  });
});

describe('refusing a bad registration', () => {
  const refused = async (body: Record<string, unknown>, field: string, code?: string) => {
    const before = (await test.operator.get('/operator/v1/applications')).body.items.length;
    const answer = await test.operator.post('/operator/v1/applications', body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.body.code).toBe('validation_failed');
    expect(answer.body.errors).toContainEqual(expect.objectContaining({ field, ...(code === undefined ? {} : { code }) }));
    expect((await test.operator.get('/operator/v1/applications')).body.items.length).toBe(before);
  };

  it('names each bad field, and registers nothing', async () => {
    await refused(web({ name: ' ' }), 'name', 'required');
    await refused(web({ kind: 'desktop' }), 'kind', 'invalid_value');
    await refused(web({ redirectUris: [] }), 'redirectUris', 'required');
    await refused(web({ redirectUris: ['/callback'] }), 'redirectUris.0', 'invalid_uri');
    await refused(web({ redirectUris: ['https:campaigns.example.com/callback'] }), 'redirectUris.0', 'invalid_uri');
    await refused(web({ redirectUris: ['https://campaigns.example.com/callback', 'https://*.example.com/callback'] }), 'redirectUris.1', 'wildcard_not_allowed');
    await refused(web({ redirectUris: ['https://campaigns.example.com/callback#done'] }), 'redirectUris.0', 'fragment_not_allowed');
    await refused(web({ redirectUris: ['http://campaigns.example.com/callback'] }), 'redirectUris.0', 'https_required');
    await refused(web({ redirectUris: ['https://user:secret@campaigns.example.com/callback'] }), 'redirectUris.0', 'invalid_uri');
    await refused(web({ redirectUris: ['com.example.app:/callback'] }), 'redirectUris.0', 'https_required');
    await refused(web({ kind: 'native', redirectUris: ['javascript:alert(1)'] }), 'redirectUris.0', 'scheme_not_allowed');
    await refused(web({ postLogoutRedirectUris: ['http://evil.example/'] }), 'postLogoutRedirectUris.0', 'https_required');
    await refused(web({ backchannelLogoutUri: 'http://campaigns.example.com/logout' }), 'backchannelLogoutUri', 'https_required');
    await refused(web({ application: 'no-such-application' }), 'application', 'unknown_application');
    await refused(web({ scopes: ['decisions:read'] }), 'scopes', 'not_allowed');
    await refused({ name: 'Billing', kind: 'service', redirectUris: [], scopes: ['licences:write'] }, 'scopes.0', 'invalid_value');
    await refused({ name: 'Billing', kind: 'service', redirectUris: ['https://billing.example.com/cb'] }, 'redirectUris', 'not_allowed');
    await refused({ name: 'Billing', kind: 'service', redirectUris: [], postLogoutRedirectUris: ['https://billing.example.com/'] }, 'postLogoutRedirectUris', 'not_allowed');
    await refused(web({ clientSecret: 'chosen' }), 'clientSecret', 'unknown_field');
    await refused({ kind: 'web' }, 'name', 'required');
  });
});

describe('changing an application', () => {
  it('changes any field but its kind, audits it, and announces it', async () => {
    const { id, clientId } = (await test.operator.post('/operator/v1/applications', web({ name: 'Forms' }))).body;
    await announced(clientId);
    const changed = await test.operator.patch(`/operator/v1/applications/${id}`, {
      name: 'Forms 2',
      redirectUris: ['https://forms.example.com/callback', 'https://forms.example.com/other'],
      backchannelLogoutUri: null,
      application: null,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id, clientId, name: 'Forms 2', kind: 'web', redirectUris: ['https://forms.example.com/callback', 'https://forms.example.com/other'], backchannelLogoutUri: null, application: null });
    await announced(clientId);
    const [update] = await trail(id);
    expect(update).toMatchObject({ action: 'application.update', before: { name: 'Forms', backchannelLogoutUri: 'https://campaigns.example.com/backchannel-logout' }, after: { name: 'Forms 2', backchannelLogoutUri: null } });

    const kind = await test.operator.patch(`/operator/v1/applications/${id}`, { kind: 'spa' });
    expect(kind.status).toBe(422);
    expect(kind.body.errors[0]).toMatchObject({ field: 'kind', code: 'immutable' });
    const bad = await test.operator.patch(`/operator/v1/applications/${id}`, { name: 'Forms 3', redirectUris: ['https://forms.example.com/ok', 'http://forms.example.com/callback'] });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'redirectUris.1', code: 'https_required' })]);
    const scopes = await test.operator.patch(`/operator/v1/applications/${id}`, { scopes: ['users:read'] });
    expect(scopes.body.errors).toEqual([expect.objectContaining({ field: 'scopes', code: 'not_allowed' })]);
    expect((await test.operator.get(`/operator/v1/applications/${id}`)).body.name).toBe('Forms 2');
    expect(await trail(id)).toHaveLength(2);
  });

  it('rotates a secret: the new one is stored as its hash and the old one matches nothing', async () => {
    const { id, clientId, clientSecret } = (await test.operator.post('/operator/v1/applications', web({ name: 'Scenarios' }))).body;
    await announced(clientId);
    const rotated = await test.operator.post(`/operator/v1/applications/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ clientId, clientSecret: expect.any(String) });
    expect(rotated.body.clientSecret).not.toBe(clientSecret);
    await announced(clientId);

    const row = await stored(clientId);
    expect(row?.secretHash).toBe(hashToken(rotated.body.clientSecret));
    expect(row?.secretHash).not.toBe(hashToken(clientSecret));
    expect(row?.secretRotatedAt).toBeInstanceOf(Date);
    expect((await test.operator.get(`/operator/v1/applications/${id}`)).body.secretRotatedAt).toEqual(expect.any(String));
    const [rotation] = await trail(id);
    expect(rotation).toMatchObject({ action: 'application.rotate-secret', target: expect.objectContaining({ name: 'Scenarios' }) });
    expect(JSON.stringify(rotation)).not.toContain(rotated.body.clientSecret);
  });

  it('refuses to rotate the secret of a public client, which has none', async () => {
    const { id, clientId } = (await test.operator.post('/operator/v1/applications', web({ kind: 'spa', name: 'Reporting' }))).body;
    const refused = await test.operator.post(`/operator/v1/applications/${id}/rotate-secret`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('conflict');
    expect((await stored(clientId))?.secretHash).toBeNull();
  });

  it('deletes an application: its client is gone, the deletion audited and announced', async () => {
    const { id, clientId } = (await test.operator.post('/operator/v1/applications', web({ name: 'Profiles' }))).body;
    await announced(clientId);
    expect((await test.operator.delete(`/operator/v1/applications/${id}`)).status).toBe(204);
    await announced(clientId);
    expect(await stored(clientId)).toBeNull();
    expect((await test.operator.get(`/operator/v1/applications/${id}`)).status).toBe(404);
    expect((await test.operator.delete(`/operator/v1/applications/${id}`)).status).toBe(404);
    expect((await test.operator.post(`/operator/v1/applications/${id}/rotate-secret`)).status).toBe(404);
    expect((await test.operator.patch(`/operator/v1/applications/${id}`, { name: 'x' })).status).toBe(404);
    expect((await trail(id)).map((event: { action: string }) => event.action)).toEqual(['application.delete', 'application.create']);
  });
});

describe('who may register applications', () => {
  it('is operators only: no one else, a console user neither', async () => {
    const fixture = await createLicence(test);
    expect((await test.anonymous().get('/operator/v1/applications')).status).toBe(401);
    expect((await test.anonymous().post('/operator/v1/applications', web())).status).toBe(401);
    const asUser = await fixture.adminClient.post('/operator/v1/applications', web());
    expect([401, 403]).toContain(asUser.status);
    expect([401, 403]).toContain((await fixture.adminClient.get('/operator/v1/applications')).status);
    // An operator token limited to decisions is no operator for this.
    const limited = await test.operator.post('/operator/v1/operator-tokens', { name: 'decisions only', scopes: ['decisions:read'] });
    const answer = await test.anonymous().withBearer(limited.body.token).post('/operator/v1/applications', web());
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe('insufficient_scope');
  });
});
