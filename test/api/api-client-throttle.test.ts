import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSecretIn, configurationId, createLicence, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';

// Client authentication failures are counted per client address, never per client id: a client id
// (`<licence>/<login>`) is guessable, and counting per id let anyone lock its holder out. The secret
// is checked first, so the right one is never refused; an address that fails too often is told to
// slow down in the OAuth error format, with Retry-After.

let test: TestApp;
let fixture: LicenceFixture;
let clientId: string;
let secret: string;

/** The failures an address may make before it is told to slow down (the service's policy). */
const ADDRESS_THRESHOLD = 50;

beforeAll(async () => {
  // Behind a trusted proxy, so each request can say which client address it comes from.
  test = await startTestApp({ GATEHOUSE_TRUST_PROXY: 'on' });
  fixture = await createLicence(test);
  const requested = await fixture.adminClient.post('/api/v1/api-account-requests', { login: 'erp-ws', holder: { firstName: 'Ed', lastName: 'Erp', email: 'erp@example.com', mobile: '+33611112222' } });
  expect(requested.status).toBe(201);
  const fulfilled = await test.operator.post(`/operator/v1/api-account-requests/${requested.body.id}/fulfil`, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: fixture.groups[0].id });
  expect(fulfilled.status).toBe(200);
  clientId = `${fixture.code}/erp-ws`;
  secret = clientSecretIn((await test.messagesTo('+33611112222')).at(-1)!.text);
});
afterAll(() => test.close());

const grant = (from: string, id: string, clientSecret: string) =>
  test
    .anonymous()
    .request('POST', '/api/v1/auth/token', `grant_type=client_credentials&client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(clientSecret)}`, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': from,
    });

describe('client credentials under attack', () => {
  it('never refuse the right secret because of wrong ones, from another address or from the same', async () => {
    const attacker = '203.0.113.7';
    const statuses: number[] = [];
    for (let i = 0; i < ADDRESS_THRESHOLD + 5; i++) statuses.push((await grant(attacker, clientId, `guess-${i}`)).status);
    expect(statuses.slice(0, ADDRESS_THRESHOLD)).toEqual(Array(ADDRESS_THRESHOLD).fill(401));
    expect(statuses.at(-1)).toBe(429);

    const holder = await grant('198.51.100.20', clientId, secret);
    expect(holder.status).toBe(200);
    expect(holder.body.access_token).toEqual(expect.any(String));
    // A wrong secret from the holder's address is just wrong: the client id itself is not locked.
    expect((await grant('198.51.100.20', clientId, 'typo')).body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    // Even the throttled address gets a token with the right secret: it cannot be guessed anyway.
    expect((await grant(attacker, clientId, secret)).status).toBe(200);
  });

  it('tell an address that guesses too much to slow down, in the OAuth format with Retry-After, and only that address', async () => {
    const guesser = '203.0.113.99';
    for (let i = 0; i < ADDRESS_THRESHOLD; i++) expect((await grant(guesser, `${fixture.code}/bot-${i}`, 'guess')).status).toBe(401);
    const throttled = await grant(guesser, clientId, 'one more guess');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('content-type')).toMatch(/^application\/json/);
    expect(throttled.body).toEqual({ error: 'slow_down', error_description: expect.stringMatching(/try again in \d+ seconds/) });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.headers.get('cache-control')).toBe('no-store');

    const elsewhere = await grant('192.0.2.1', `${fixture.code}/bot-0`, 'guess');
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.error).toBe('invalid_client');
  });
});
