import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicence, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// Malformed bodies, oversize fields, wrong types and control characters on the sign-in endpoints:
// a 422 naming the field, and nothing written (no counter, no session, no message).

let test: TestApp;
let fixture: LicenceFixture;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

async function footprint() {
  return test.database.handle.inScriptTransaction(async (exec) => {
    const count = async (table: string) => Number((await exec(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n);
    return { throttles: await count('throttles'), sessions: await count('sessions'), challenges: await count('sign_in_challenges'), outbox: await count('outbox'), tokens: await count('password_tokens') };
  });
}

// Validation comes before any lookup, so the licence need not exist.
const good = () => ({ licence: 'some-licence', login: 'admin', password: TEST_PASSWORD });

const cases: [string, string, unknown, string, string][] = [
  ['/api/v1/auth/login', 'a login with a NUL', { ...good(), login: 'ad\u0000min' }, 'login', 'control_characters'],
  ['/api/v1/auth/login', 'a login with a newline', { ...good(), login: 'admin\n' }, 'login', 'control_characters'],
  ['/api/v1/auth/login', 'a licence with an escape', { ...good(), licence: 'some-licence\u001b' }, 'licence', 'control_characters'],
  ['/api/v1/auth/login', 'an oversize login', { ...good(), login: 'a'.repeat(65) }, 'login', 'too_long'],
  ['/api/v1/auth/login', 'an oversize licence', { ...good(), licence: 'a'.repeat(41) }, 'licence', 'too_long'],
  ['/api/v1/auth/login', 'an oversize password', { ...good(), password: 'p'.repeat(1025) }, 'password', 'too_long'],
  ['/api/v1/auth/login', 'a number as login', { ...good(), login: 42 }, 'login', 'invalid_type'],
  ['/api/v1/auth/login', 'an object as password', { ...good(), password: { $ne: '' } }, 'password', 'invalid_type'],
  ['/api/v1/auth/login', 'a missing password', { licence: 'x', login: 'admin' }, 'password', 'required'],
  ['/api/v1/auth/login', 'an empty login', { ...good(), login: '' }, 'login', 'required'],
  ['/api/v1/auth/login', 'an unknown field', { ...good(), remember: true }, 'remember', 'unknown_field'],
  ['/api/v1/auth/login', 'an array body', [good()], 'body', 'invalid_type'],
  ['/api/v1/auth/second-factor', 'a 5-digit code', { challenge: 'c', code: '12345' }, 'code', 'invalid_format'],
  ['/api/v1/auth/second-factor', 'a code with letters', { challenge: 'c', code: '12345a' }, 'code', 'invalid_format'],
  ['/api/v1/auth/second-factor', 'a number as code', { challenge: 'c', code: 123456 }, 'code', 'invalid_type'],
  ['/api/v1/auth/second-factor', 'an oversize challenge', { challenge: 'c'.repeat(201), code: '123456' }, 'challenge', 'too_long'],
  ['/api/v1/auth/second-factor', 'a missing challenge', { code: '123456' }, 'challenge', 'required'],
  ['/api/v1/auth/second-factor/resend', 'an empty challenge', { challenge: '' }, 'challenge', 'required'],
  ['/api/v1/auth/password-reset', 'a login with a tab', { licence: 'x', login: 'ad\tmin' }, 'login', 'control_characters'],
  ['/api/v1/auth/password-reset/complete', 'an oversize password', { token: 't', password: 'p'.repeat(1025) }, 'password', 'too_long'],
];

describe('bad input on the sign-in endpoints', () => {
  it.each(cases)('%s with %s: 422 naming the field, nothing written', async (path, _what, body, field, code) => {
    const before = await footprint();
    const answer = await test.anonymous().post(path, body);
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('validation_failed');
    expect(answer.body.errors).toContainEqual(expect.objectContaining({ field, code }));
    expect(await footprint()).toEqual(before);
  });

  it('answers a body that is not JSON with 422 on the body', async () => {
    const before = await footprint();
    const answer = await test.anonymous().request('POST', '/api/v1/auth/login', '{"licence": "x", ', { 'content-type': 'application/json' });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'body', code: 'invalid_json' })]);
    expect(await footprint()).toEqual(before);
  });

  it('answers an oversize body with 413', async () => {
    const answer = await test.anonymous().post('/api/v1/auth/login', { ...good(), password: 'p'.repeat(70_000) });
    expect(answer.status).toBe(413);
  });

  it('checks My account bodies the same way', async () => {
    const client = fixture.adminClient;
    const before = await footprint();
    const noPassword = await client.post('/api/v1/me/totp', {});
    expect(noPassword.body.errors).toContainEqual(expect.objectContaining({ field: 'password', code: 'required' }));
    const badCode = await client.post('/api/v1/me/totp/confirm', { code: 'abcdef' });
    expect(badCode.status).toBe(422);
    expect(badCode.body.errors).toContainEqual(expect.objectContaining({ field: 'code' }));
    const wrongType = await client.put('/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: 1234567890123 });
    expect(wrongType.body.errors).toContainEqual(expect.objectContaining({ field: 'newPassword', code: 'invalid_type' }));
    expect(await footprint()).toEqual(before);
  });
});
