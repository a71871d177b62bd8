import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { base32Decode, totp } from '../../src/core/totp.ts';
import { rotateSecretKey } from '../../src/features/backup/secret-key-rotation.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createSealer, keyIdOf } from '../../src/platform/encryption.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { DeliverableMessage } from '../../src/platform/messaging/transports.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { HttpClient } from '../support/http.ts';
import { linkToken, TEST_PASSWORD } from '../support/app.ts';

// Secret-key rotation: the key ring opens what older keys sealed, `rotate` seals everything again
// under the current key, and then the older key can leave the ring. Rotated twice (A → B → C), one
// database, a server per ring: what was sealed under A still reads under C alone.

const [keyA, keyB, keyC] = [randomBytes(32), randomBytes(32), randomBytes(32)];
const operatorToken = randomBytes(24).toString('hex');

let database: TestDatabase;
let server: { app: App; url: string; operator: HttpClient; sent: DeliverableMessage[] } | null = null;
/** Time steps of 30 s, moved on between sign-ins so each TOTP code is a new one. */
let now = new Date(Math.ceil(Date.now() / 30_000) * 30_000 + 5_000);

/** A server whose key ring is `ring` (current first), on the one database of this file. */
async function serveWith(ring: Buffer[]) {
  await server?.app.close();
  const config = loadConfig({
    GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: operatorToken,
    GATEHOUSE_SECRET_KEYS: ring.map((key) => key.toString('hex')).join(','),
    GATEHOUSE_DEMO: 'off',
    LOG_LEVEL: 'warn',
    GATEHOUSE_DATA_DIR: '/nonexistent/gatehouse-rotation-test',
  });
  const sent: DeliverableMessage[] = [];
  const keep = { send: async (message: DeliverableMessage) => void sent.push(message) };
  // Building the app loads and opens the OpenID Provider's signing keys: it fails if they do not open.
  const app = await buildApp({ config, database: database.handle, logger: createLogger('warn'), transports: { email: keep, sms: keep }, serveConsole: false });
  (app.context as { now: () => Date }).now = () => now;
  const url = await app.server.listen({ port: 0, host: '127.0.0.1' });
  server = { app, url, operator: new HttpClient(url).withBearer(operatorToken), sent };
  return server;
}

const current = () => {
  if (server === null) throw new Error('no server');
  return server;
};

async function signInWithPassword(licence: string, login: string): Promise<{ client: HttpClient; body: any }> {
  const client = new HttpClient(current().url);
  const answer = await client.post('/api/v1/auth/login', { licence, login, password: TEST_PASSWORD });
  return { client, body: answer.body };
}

/** Signs in with the password alone (no authenticator app yet). */
async function signedIn(login: string): Promise<HttpClient> {
  const { client, body } = await signInWithPassword(licence, login);
  expect(body.status).toBe('ok');
  client.csrfToken = body.csrfToken;
  return client;
}

/** Signs in with the password and a code of the user's authenticator app: the TOTP secret opens. */
async function signInWithApp(licence: string, login: string, secret: Buffer): Promise<HttpClient> {
  now = new Date(now.getTime() + 60_000);
  const { client, body } = await signInWithPassword(licence, login);
  expect(body.status).toBe('second_factor_required');
  const finished = await client.post('/api/v1/auth/second-factor', { challenge: body.challenge, code: totp(secret, now) });
  expect(finished.status).toBe(200);
  client.csrfToken = finished.body.csrfToken;
  return client;
}

async function setPassword(email: string) {
  await current().app.outbox.deliverDue();
  const last = current().sent.filter((message) => message.to === email).at(-1);
  if (!last) throw new Error(`no e-mail to ${email}`);
  expect((await new HttpClient(current().url).post('/api/v1/auth/password-reset/complete', { token: linkToken(last.text), password: TEST_PASSWORD })).status).toBe(204);
}

async function enrolApp(client: HttpClient): Promise<Buffer> {
  const started = await client.post('/api/v1/me/totp', { password: TEST_PASSWORD });
  expect(started.status).toBe(200);
  const secret = base32Decode(started.body.secret);
  expect((await client.post('/api/v1/me/totp/confirm', { code: totp(secret, now) })).status).toBe(204);
  return secret;
}

const published = async () => ((await (await fetch(`${current().url}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid).sort();

/** What the database holds, sealed: each value's key fingerprint (version 2) or 'v1'. */
async function sealedKeyIds(): Promise<string[]> {
  const rows = (await database.handle.db.execute(
    "SELECT secret AS sealed, 'text' AS kind FROM user_totp UNION ALL SELECT private_jwk, 'text' FROM signing_keys UNION ALL SELECT encode(content, 'base64'), 'bytea' FROM transfer_box_items" as never,
  )) as unknown as { rows: { sealed: string; kind: string }[] };
  return rows.rows.map((row) => {
    const bytes = Buffer.from(row.sealed, row.kind === 'text' ? 'base64url' : 'base64');
    return bytes[0] === 2 ? bytes.subarray(1, 5).toString('hex') : `v${bytes[0]}`;
  });
}

const fingerprint = (key: Buffer) => keyIdOf(key).toString('hex');

const licence = 'rotation';
const people = { ada: { login: 'ada', email: 'ada@rotation.example' }, bob: { login: 'bob', email: 'bob@rotation.example' } };
const secrets: Record<string, Buffer> = {};
let itemId = '';
let kids: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await serveWith([keyA]);
  const created = await current().operator.post('/operator/v1/licences', {
    code: licence,
    name: 'Rotation',
    seatLimit: 10,
    admin: { login: people.ada.login, firstName: 'Ada', lastName: 'Admin', email: people.ada.email, language: 'en' },
  });
  expect(created.status).toBe(201);
  await setPassword(people.ada.email);
  const ada = await signedIn(people.ada.login);
  secrets.ada = await enrolApp(ada);
  const userConfig = (await ada.get('/api/v1/rights-configurations')).body.find((c: { key: string }) => c.key === 'user').id;
  const group = (await ada.get('/api/v1/entity-groups')).body[0].id;
  const bob = await ada.post('/api/v1/users', { ...people.bob, firstName: 'Bob', lastName: 'User', language: 'en', configurationId: userConfig, entityGroupId: group });
  expect(bob.status).toBe(201);
  await setPassword(people.bob.email);
  const delivered = await current().operator.post(`/operator/v1/licences/${licence}/transfer-box`, { recipientLogin: people.ada.login, name: 'contract.txt', content: Buffer.from('signed by both parties').toString('base64'), from: 'Vendor support' });
  expect(delivered.status).toBe(201);
  itemId = delivered.body.id;
  kids = await published();
  expect(new Set(await sealedKeyIds())).toEqual(new Set([fingerprint(keyA)]));
});

afterAll(async () => {
  await server?.app.close();
  await database?.drop();
});

async function readsEverythingBack() {
  // TOTP: ada's app, enrolled under A, still signs her in.
  const ada = await signInWithApp(licence, people.ada.login, secrets.ada!);
  // Transfer Box: the item delivered under A still reads.
  const content = await ada.get(`/api/v1/transfer-box/${itemId}/content`);
  expect(content.status).toBe(200);
  expect(content.body).toBe('signed by both parties');
  // OpenID Provider: the signing keys opened at start (buildApp), and the same keys are published.
  expect(await published()).toEqual(kids);
  return ada;
}

describe('gatehouse secret-key rotate', () => {
  it('A → B: with the ring B,A everything reads; rotate seals it under B, continuing where a cut run stopped; then B alone reads it all', async () => {
    await serveWith([keyB, keyA]);
    const ada = await readsEverythingBack();
    // Bob enrols while the ring already seals under B: as if a first rotation run had sealed his
    // secret and been cut off before the rest.
    secrets.bob = await enrolApp(await signedIn(people.bob.login));
    expect((await ada.get('/api/v1/me')).body.totpEnabled).toBe(true);

    const first = await rotateSecretKey(database.handle.db, createSealer([keyB, keyA]));
    expect(first['authenticator secrets']).toEqual({ resealed: 1, current: 1, unreadable: 0, changedMeanwhile: 0 });
    expect(first['Transfer Box items']).toEqual({ resealed: 1, current: 0, unreadable: 0, changedMeanwhile: 0 });
    expect(first['signing keys']).toMatchObject({ resealed: kids.length, current: 0, unreadable: 0 });
    expect(new Set(await sealedKeyIds())).toEqual(new Set([fingerprint(keyB)]));

    // Run again: nothing left to do.
    const again = await rotateSecretKey(database.handle.db, createSealer([keyB, keyA]));
    expect(Object.values(again).map((count) => count.resealed)).toEqual([0, 0, 0]);

    await serveWith([keyB]);
    await readsEverythingBack();
    await signInWithApp(licence, people.bob.login, secrets.bob!);
  });

  it('B → C: rotated again, C alone reads what was sealed under A', async () => {
    await serveWith([keyC, keyB]);
    const report = await rotateSecretKey(database.handle.db, createSealer([keyC, keyB]));
    expect(report['authenticator secrets']).toEqual({ resealed: 2, current: 0, unreadable: 0, changedMeanwhile: 0 });
    expect(new Set(await sealedKeyIds())).toEqual(new Set([fingerprint(keyC)]));
    await serveWith([keyC]);
    await readsEverythingBack();
    await signInWithApp(licence, people.bob.login, secrets.bob!);
  });

  it('counts what no key of the ring opens, and leaves it as it was', async () => {
    const before = await sealedKeyIds();
    const report = await rotateSecretKey(database.handle.db, createSealer([keyA]));
    expect(report['authenticator secrets']).toEqual({ resealed: 0, current: 0, unreadable: 2, changedMeanwhile: 0 });
    expect(report['Transfer Box items'].unreadable).toBe(1);
    expect(await sealedKeyIds()).toEqual(before);
  });
});
