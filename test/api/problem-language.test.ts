import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, newUser, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

// A refusal is told in the language the request prefers (Accept-Language), as the console sends its
// reader's: the title and the detail in French or English; the code, the status and the field errors
// (codes and messages) the same in both, since clients act on those.

let test: TestApp;
let fixture: LicenceFixture;

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

const FRENCH = { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.8' };

describe('problem documents in the reader’s language', () => {
  it('answers a request that prefers French in French, and any other in English', async () => {
    const anonymous = test.anonymous();
    const french = await anonymous.request('GET', '/api/v1/users', undefined, FRENCH);
    expect(french.status).toBe(401);
    expect(french.headers.get('content-type')).toContain('application/problem+json');
    expect(french.body).toMatchObject({ code: 'unauthenticated', title: 'Connexion requise', detail: "Connectez-vous d'abord" });

    expect(french.headers.get('vary')).toContain('Accept-Language');
    const english = await anonymous.get('/api/v1/users');
    expect(english.body).toMatchObject({ code: 'unauthenticated', title: 'Authentication required', detail: 'Sign in first' });

    // The weights decide, not the order; a language refused (q=0) or not spoken is passed over.
    const byWeight = async (acceptLanguage: string) => (await anonymous.request('GET', '/api/v1/users', undefined, { 'accept-language': acceptLanguage })).body.detail;
    expect(await byWeight('de-DE, en;q=0.5, fr;q=0.8')).toBe("Connectez-vous d'abord");
    expect(await byWeight('fr;q=0, en')).toBe('Sign in first');
    expect(await byWeight('de, es')).toBe('Sign in first');
  });

  it('tells an administrator why, in French, and leaves the data as it was', async () => {
    const admin = fixture.adminClient;
    const users = await admin.get('/api/v1/users');
    const support = users.body.items.find((user: { login: string }) => user.login === 'support');

    const protectedAccount = await admin.request('DELETE', `/api/v1/users/${support.id}`, undefined, FRENCH);
    expect(protectedAccount.status).toBe(403);
    expect(protectedAccount.body).toMatchObject({ code: 'protected_account', title: 'Ce compte est protégé', detail: 'Le compte support peut seulement être désactivé ou activé' });
    expect((await admin.get(`/api/v1/users/${support.id}`)).status).toBe(200);

    const self = await admin.request('DELETE', `/api/v1/users/${fixture.admin.id}`, undefined, FRENCH);
    expect(self.body).toMatchObject({ code: 'cannot_target_self', detail: 'Demandez à un autre administrateur de le faire sur votre compte' });

    const input = newUser(fixture);
    expect((await admin.post('/api/v1/users', input)).status).toBe(201);
    const taken = await admin.request('POST', '/api/v1/users', { ...newUser(fixture), login: input.login }, FRENCH);
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: 'login_taken', detail: `L'identifiant « ${input.login} » est déjà pris dans cette licence` });
  });

  it('keeps the field errors the same in both languages, and names the fields in the French detail', async () => {
    const admin = fixture.adminClient;
    const bad = { ...newUser(fixture), login: '', language: 'de' };
    const english = await admin.post('/api/v1/users', bad);
    const french = await admin.request('POST', '/api/v1/users', bad, FRENCH);
    expect(english.status).toBe(422);
    expect(french.status).toBe(422);
    expect(french.body.code).toBe('validation_failed');
    expect(french.body.title).toBe('La requête a des champs non valides');
    expect(french.body.errors).toEqual(english.body.errors);
    expect([...new Set(english.body.errors.map((error: { field: string }) => error.field))].sort()).toEqual(['language', 'login']);
    expect(french.body.detail).toMatch(/^Champs refusés : /);
    for (const field of ['login', 'language']) expect(french.body.detail).toContain(field);
    expect(english.body.detail).toContain('login');
  });

  it('answers errors raised before a route is found in the reader’s language too', async () => {
    const anonymous = test.anonymous();
    const noRoute = await anonymous.request('GET', '/api/v1/no-such-thing', undefined, FRENCH);
    expect(noRoute.status).toBe(404);
    expect(noRoute.body).toMatchObject({ code: 'not_found', title: 'Introuvable', detail: 'Aucune route GET /api/v1/no-such-thing' });
    expect(noRoute.headers.get('vary')).toContain('Accept-Language');

    const notJson = await fixture.adminClient.request('POST', '/api/v1/users', '{"login":', FRENCH);
    expect(notJson.status).toBe(422);
    expect(notJson.body).toMatchObject({ code: 'validation_failed', detail: "Le corps n'est pas du JSON valide", errors: [{ field: 'body', code: 'invalid_json', message: 'is not valid JSON' }] });
  });
});
