import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, randomToken } from '../../src/platform/crypto.ts';
import { passwordTokens, sessions } from '../../src/platform/db/schema.ts';
import { licenceOfToken } from '../../src/platform/licence-tokens.ts';
import { createLicence, linkToken, newUser, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';

// Tokens name their licence, so that once the data is sharded by licence they are looked up in one
// shard (docs/scaling.md). What was issued before migration 0013 names none: set-password links keep
// working, console sessions ended with the migration.

let test: TestApp;
let fixture: LicenceFixture;

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
});
afterAll(() => test.close());

async function createUser() {
  const input = newUser(fixture);
  const created = await fixture.adminClient.post('/api/v1/users', input);
  expect(created.status).toBe(201);
  return { ...input, id: created.body.id as string };
}

const sessionCookieOf = (response: Response) => /gatehouse_session=([^;]+)/.exec(response.headers.getSetCookie().join('\n'))?.[1] ?? null;
const me = (token: string) => fetch(`${test.url}/api/v1/me`, { headers: { cookie: `gatehouse_session=${token}` } });

describe('tokens that name their licence', () => {
  it('issues set-password links and sessions that start with the licence, and serves them', async () => {
    const user = await createUser();
    const link = linkToken((await test.messagesTo(user.email)).at(-1)!.text);
    expect(licenceOfToken(link)).toEqual({ licenceId: fixture.licence.id });
    expect((await test.anonymous().post('/api/v1/auth/password-reset/complete', { token: link, password: TEST_PASSWORD })).status).toBe(204);

    const signedIn = await fetch(`${test.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ licence: fixture.code, login: user.login, password: TEST_PASSWORD }),
    });
    expect(signedIn.status).toBe(200);
    const session = sessionCookieOf(signedIn)!;
    expect(licenceOfToken(session)).toEqual({ licenceId: fixture.licence.id });
    expect((await me(session)).status).toBe(200);
  });

  it('still sets a password from a link mailed before the tokens named their licence', async () => {
    const user = await createUser();
    const legacy = randomToken();
    await test.database.handle.db.insert(passwordTokens).values({
      licenceId: fixture.licence.id,
      id: randomUUID(),
      userId: user.id,
      tokenHash: hashToken(legacy),
      purpose: 'welcome',
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    expect((await test.anonymous().post('/api/v1/auth/password-reset/complete', { token: legacy, password: TEST_PASSWORD })).status).toBe(204);
  });

  it('refuses a session token that names no licence, or another licence than its own', async () => {
    const user = await createUser();
    const legacy = randomToken();
    await test.database.handle.db.insert(sessions).values({ licenceId: fixture.licence.id, id: randomUUID(), userId: user.id, tokenHash: hashToken(legacy), expiresAt: new Date(Date.now() + 3_600_000) });
    expect((await me(legacy)).status).toBe(401);

    // The same secret moved under another licence's prefix finds nothing: the licence is part of the lookup.
    const other = await createLicence(test);
    const moved = `${Buffer.from(other.licence.id.replaceAll('-', ''), 'hex').toString('base64url')}${randomToken()}`;
    await test.database.handle.db.insert(sessions).values({ licenceId: fixture.licence.id, id: randomUUID(), userId: user.id, tokenHash: hashToken(moved), expiresAt: new Date(Date.now() + 3_600_000) });
    expect((await me(moved)).status).toBe(401);
  });
});
