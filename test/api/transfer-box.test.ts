import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/platform/config.ts';
import { configurationId, createLicence, newUser, signIn, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';
import type { HttpClient } from '../support/http.ts';

let test: TestApp;
let fixture: LicenceFixture;
let sender: { client: HttpClient; id: string };
let recipient: { client: HttpClient; id: string; login: string };

const DAY_MS = 24 * 60 * 60 * 1000;

async function member(licence: LicenceFixture, overrides: Record<string, unknown> = {}) {
  const input = newUser(licence, overrides);
  const created = await licence.adminClient.post('/api/v1/users', input);
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  return { client: await signIn(test, licence.code, input), id: created.body.id as string, login: input.login };
}

const file = (text: string) => Buffer.from(text).toString('base64');

async function rows(text: string, params: unknown[] = []) {
  return test.database.handle.inScriptTransaction(async (exec) => (await exec(text, params)).rows);
}
const itemCount = async () => Number((await rows('SELECT count(*) AS n FROM transfer_box_items'))[0]!.n);

/** The session cookie of a signed-in client, for a fetch that must read the answer as bytes, not text. */
function sessionCookie(client: HttpClient): string {
  const jar = (client as unknown as { cookies: Map<string, string> }).cookies;
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** Puts an item in an inbox through the service, as the API accounts' delivery does, at a chosen time. */
async function deliverAt(at: Date, licenceId: string, recipientUserId: string, text: string) {
  const context = test.app.context;
  const realNow = context.now;
  context.now = () => at;
  try {
    return await context.transaction((tx) =>
      test.app.services.transferBox.deliverInTransaction(tx, { licenceId, recipientUserId, name: 'secret.txt', contentType: 'text/plain', content: Buffer.from(text), sender: { kind: 'system', id: null, name: 'Gatehouse' } }),
    );
  } finally {
    context.now = realNow;
  }
}

beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
  sender = await member(fixture);
  recipient = await member(fixture);
});
afterAll(() => test.close());

describe('sending and reading', () => {
  it('delivers a file to its recipient, byte for byte, as a download', async () => {
    const bytes = randomBytes(4096);
    const sent = await sender.client.post('/api/v1/transfer-box', { recipientId: recipient.id, name: 'Relevé de compte.pdf', contentType: 'application/pdf', content: bytes.toString('base64') });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ name: 'Relevé de compte.pdf', from: 'Grace Hopper', size: 4096, contentType: 'application/pdf', readAt: null, recipientId: recipient.id });
    expect(new Date(sent.body.expiresAt).getTime() - new Date(sent.body.createdAt).getTime()).toBe(7 * DAY_MS);

    const inbox = await recipient.client.get('/api/v1/transfer-box');
    expect(inbox.status).toBe(200);
    expect(inbox.body.items[0]).toEqual({ id: sent.body.id, name: 'Relevé de compte.pdf', from: 'Grace Hopper', createdAt: sent.body.createdAt, expiresAt: sent.body.expiresAt, readAt: null, size: 4096, contentType: 'application/pdf' });

    const response = await fetch(`${test.url}/api/v1/transfer-box/${sent.body.id}/content`, { headers: { cookie: sessionCookie(recipient.client) } });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="Relev_ de compte.pdf"; filename*=UTF-8''Relev%C3%A9%20de%20compte.pdf`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('lists newest first, in pages', async () => {
    for (const name of ['one.txt', 'two.txt', 'three.txt']) await sender.client.post('/api/v1/transfer-box', { recipientId: recipient.id, name, content: file(name) });
    const first = await recipient.client.get('/api/v1/transfer-box?limit=2');
    expect(first.body.items.map((item: { name: string }) => item.name)).toEqual(['three.txt', 'two.txt']);
    expect(first.body.items[0].contentType).toBe('application/octet-stream');
    const second = await recipient.client.get(`/api/v1/transfer-box?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].name).toBe('one.txt');
  });

  it('lets an operator send to a user named by login, and the platform deliver inside a transaction', async () => {
    const byOperator = await test.operator.post(`/operator/v1/licences/${fixture.code}/transfer-box`, { recipientLogin: recipient.login.toUpperCase(), name: 'contract.txt', content: file('signed'), from: 'Vendor support' });
    expect(byOperator.status).toBe(201);
    expect(byOperator.body).toMatchObject({ from: 'Vendor support', recipientId: recipient.id });
    const delivered = await deliverAt(new Date(), fixture.licence.id, recipient.id, 'api-secret');
    const inbox = (await recipient.client.get('/api/v1/transfer-box')).body.items;
    expect(inbox.slice(0, 2).map((item: { id: string; from: string }) => [item.id, item.from])).toEqual([
      [delivered.id, 'Gatehouse'],
      [byOperator.body.id, 'Vendor support'],
    ]);
    expect((await recipient.client.get(`/api/v1/transfer-box/${delivered.id}/content`)).body).toBe('api-secret');
  });
});

describe('only the recipient reads', () => {
  let itemId: string;
  beforeAll(async () => {
    itemId = (await sender.client.post('/api/v1/transfer-box', { recipientId: recipient.id, name: 'payslip.txt', content: file('salary: 1') })).body.id;
  });

  it('answers 404 to the sender, the licence admin and other users of the licence', async () => {
    const bystander = await member(fixture);
    for (const client of [sender.client, fixture.adminClient, bystander.client]) {
      const answer = await client.get(`/api/v1/transfer-box/${itemId}/content`);
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('not_found');
      expect((await client.get('/api/v1/transfer-box')).body.items.map((item: { id: string }) => item.id)).not.toContain(itemId);
    }
  });

  it("answers 404 to another licence's users, whatever their rights", async () => {
    const other = await createLicence(test);
    expect((await other.adminClient.get(`/api/v1/transfer-box/${itemId}/content`)).status).toBe(404);
    const outsider = await member(other);
    expect((await outsider.client.get(`/api/v1/transfer-box/${itemId}/content`)).status).toBe(404);
    // Nor can they send into this licence.
    const across = await outsider.client.post('/api/v1/transfer-box', { recipientId: recipient.id, name: 'x.txt', content: file('x') });
    expect(across.status).toBe(422);
    expect(across.body.errors).toEqual([expect.objectContaining({ field: 'recipientId', code: 'not_found' })]);
  });

  it('answers 404 for unknown ids and 422 for what is not an id', async () => {
    expect((await recipient.client.get(`/api/v1/transfer-box/${crypto.randomUUID()}/content`)).status).toBe(404);
    expect((await recipient.client.get('/api/v1/transfer-box/nope/content')).status).toBe(422);
  });

  it('needs the Transfer Box permission', async () => {
    const reviewer = await member(fixture, { configurationId: configurationId(fixture, 'reviewer') });
    expect((await reviewer.client.get('/api/v1/transfer-box')).status).toBe(403);
    expect((await reviewer.client.post('/api/v1/transfer-box', { recipientId: recipient.id, name: 'x.txt', content: file('x') })).status).toBe(403);
    expect((await test.anonymous().get('/api/v1/transfer-box')).status).toBe(401);
  });
});

describe('expiry', () => {
  it('is 7 days by default, GATEHOUSE_TRANSFER_BOX_DAYS otherwise', () => {
    expect(loadConfig({}).transferBoxDays).toBe(7);
    expect(loadConfig({ GATEHOUSE_TRANSFER_BOX_DAYS: '30' }).transferBoxDays).toBe(30);
    expect(() => loadConfig({ GATEHOUSE_TRANSFER_BOX_DAYS: '0' })).toThrow(/GATEHOUSE_TRANSFER_BOX_DAYS must be a whole number from 1 to 365/);
  });

  it('hides an expired item (404) and the purge deletes it', async () => {
    const expired = await deliverAt(new Date(Date.now() - 8 * DAY_MS), fixture.licence.id, recipient.id, 'old');
    const fresh = await deliverAt(new Date(), fixture.licence.id, recipient.id, 'new');
    expect((await recipient.client.get(`/api/v1/transfer-box/${expired.id}/content`)).status).toBe(404);
    const listed = (await recipient.client.get('/api/v1/transfer-box?limit=500')).body.items.map((item: { id: string }) => item.id);
    expect(listed).toContain(fresh.id);
    expect(listed).not.toContain(expired.id);

    expect(await test.app.services.transferBox.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await rows('SELECT id FROM transfer_box_items WHERE id = $1', [expired.id])).toEqual([]);
    expect(await rows('SELECT id FROM transfer_box_items WHERE id = $1', [fresh.id])).toHaveLength(1);
    expect(await test.app.services.transferBox.purgeExpired()).toBe(0);
  });
});

describe('bad input, nothing written', () => {
  const send = (body: Record<string, unknown>) => sender.client.post('/api/v1/transfer-box', { recipientId: recipient.id, name: 'f.bin', ...body });
  const refused = async (body: Record<string, unknown>, field: string, code: string) => {
    const before = await itemCount();
    const answer = await send(body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, code })]));
    expect(await itemCount()).toBe(before);
  };

  it('refuses an empty file', () => refused({ content: '' }, 'content', 'required'));
  it('refuses content that is not base64', () => refused({ content: 'not base64!' }, 'content', 'invalid_format'));
  it('refuses a file over 10 MiB', () => refused({ content: Buffer.alloc(10 * 1024 * 1024 + 1, 7).toString('base64') }, 'content', 'too_large'));
  it('refuses names with folders or control characters', async () => {
    await refused({ name: '../etc/passwd', content: file('x') }, 'name', 'invalid_format');
    await refused({ name: 'a\\b.txt', content: file('x') }, 'name', 'invalid_format');
    await refused({ name: 'bell\u0007.txt', content: file('x') }, 'name', 'control_characters');
    await refused({ name: 'x'.repeat(201), content: file('x') }, 'name', 'too_long');
  });
  it('refuses a bad media type', () => refused({ contentType: 'text/html\r\nx-evil: 1', content: file('x') }, 'contentType', 'invalid_format'));
  it('refuses unknown and deactivated recipients', async () => {
    await refused({ recipientId: crypto.randomUUID(), content: file('x') }, 'recipientId', 'not_found');
    const leaving = await member(fixture);
    await fixture.adminClient.post(`/api/v1/users/${leaving.id}/deactivate`);
    await refused({ recipientId: leaving.id, content: file('x') }, 'recipientId', 'not_found');
  });

  it('accepts exactly 10 MiB', async () => {
    const answer = await send({ content: Buffer.alloc(10 * 1024 * 1024, 1).toString('base64') });
    expect(answer.status).toBe(201);
    expect(answer.body.size).toBe(10 * 1024 * 1024);
  });

  it('stops a body over the route limit at 413', async () => {
    const before = await itemCount();
    const answer = await send({ content: 'A'.repeat(16 * 1024 * 1024) });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'payload_too_large', detail: 'The body may hold at most 15 MiB' });
    expect(await itemCount()).toBe(before);
  });

  it('keeps the 64 KiB limit on the rest of the API', async () => {
    const answer = await fixture.adminClient.post('/api/v1/users', { ...newUser(fixture), firstName: 'x'.repeat(70 * 1024) });
    expect(answer.status).toBe(413);
    expect(answer.body.detail).toBe('The body may hold at most 64 KiB');
  });

  it('asks operators for exactly one of recipientId and recipientLogin', async () => {
    const path = `/operator/v1/licences/${fixture.code}/transfer-box`;
    const neither = await test.operator.post(path, { name: 'x.txt', content: file('x') });
    expect(neither.status).toBe(422);
    expect(neither.body.errors).toEqual([expect.objectContaining({ field: 'recipientId', code: 'required' })]);
    expect((await test.operator.post(path, { recipientId: recipient.id, recipientLogin: recipient.login, name: 'x.txt', content: file('x') })).status).toBe(422);
    const unknown = await test.operator.post(path, { recipientLogin: 'nobody', name: 'x.txt', content: file('x') });
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'recipientLogin', code: 'not_found' })]);
    expect((await test.operator.post('/operator/v1/licences/no-such-licence/transfer-box', { recipientLogin: 'admin', name: 'x.txt', content: file('x') })).status).toBe(404);
  });
});

describe('encryption at rest', () => {
  it('stores no plaintext, and a ciphertext moved to another row does not open', async () => {
    const plaintext = 'the quarterly figures, confidential';
    const moved = (await sender.client.post('/api/v1/transfer-box', { recipientId: recipient.id, name: 'a.txt', content: file(plaintext) })).body.id;
    const target = (await sender.client.post('/api/v1/transfer-box', { recipientId: recipient.id, name: 'b.txt', content: file('other') })).body.id;
    const [stored] = await rows('SELECT content FROM transfer_box_items WHERE id = $1', [moved]);
    const sealed = Buffer.from(stored!.content as Uint8Array);
    expect(sealed.includes(Buffer.from(plaintext))).toBe(false);
    expect(sealed.includes(Buffer.from(file(plaintext)))).toBe(false);
    expect(sealed.length).toBeGreaterThan(plaintext.length);

    await rows('UPDATE transfer_box_items SET content = (SELECT content FROM transfer_box_items WHERE id = $1) WHERE id = $2', [moved, target]);
    const answer = await recipient.client.get(`/api/v1/transfer-box/${target}/content`);
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).not.toContain(plaintext);
    // A read that failed left no record: the transaction took the first read time and events with it.
    expect((await rows('SELECT read_at FROM transfer_box_items WHERE id = $1', [target]))[0]!.read_at).toBeNull();
    expect(await rows('SELECT id FROM transfer_box_reads WHERE item_id = $1', [target])).toEqual([]);

    await rows("UPDATE transfer_box_items SET content = set_byte(content, length(content) - 1, get_byte(content, length(content) - 1) # 1) WHERE id = $1", [moved]);
    expect((await recipient.client.get(`/api/v1/transfer-box/${moved}/content`)).status).toBe(500);
  });
});

describe('reads are recorded', () => {
  it('sets the first read time and shows every read to the admins, with the content never', async () => {
    const secret = 'Never-in-the-audit-trail-42';
    const sent = await sender.client.post('/api/v1/transfer-box', { recipientId: recipient.id, name: 'keys.txt', content: file(secret) });
    const id = sent.body.id;
    await recipient.client.get(`/api/v1/transfer-box/${id}/content`);
    const firstRead = (await recipient.client.get('/api/v1/transfer-box?limit=500')).body.items.find((item: { id: string }) => item.id === id).readAt;
    expect(firstRead).not.toBeNull();
    await recipient.client.get(`/api/v1/transfer-box/${id}/content`);
    expect((await recipient.client.get('/api/v1/transfer-box?limit=500')).body.items.find((item: { id: string }) => item.id === id).readAt).toBe(firstRead);

    const trail = (await fixture.adminClient.get(`/api/v1/audit-events?target=${id}`)).body.items;
    expect(trail.map((event: { action: string }) => event.action)).toEqual(['transfer_box.read', 'transfer_box.read', 'transfer_box.send']);
    expect(trail[0]).toMatchObject({ actor: { kind: 'user', id: recipient.id, name: recipient.login }, target: { kind: 'transfer_box_item', id, name: 'keys.txt' } });
    expect(trail[2]).toMatchObject({ actor: { kind: 'user', id: sender.id }, after: { name: 'keys.txt', size: secret.length, recipient: recipient.login } });
    expect(JSON.stringify(trail)).not.toContain(secret);
    expect(JSON.stringify(trail)).not.toContain(file(secret));
    const byAction = (await fixture.adminClient.get('/api/v1/audit-events?action=transfer_box.read&limit=500')).body.items;
    expect(byAction.filter((event: { target: { id: string } }) => event.target.id === id)).toHaveLength(2);

    const reads = await fixture.adminClient.get('/api/v1/transfer-box/reads?limit=2');
    expect(reads.status).toBe(200);
    expect(reads.body.items).toEqual([
      { itemId: id, name: 'keys.txt', recipient: recipient.login, from: 'Grace Hopper', readAt: expect.any(String) },
      { itemId: id, name: 'keys.txt', recipient: recipient.login, from: 'Grace Hopper', readAt: firstRead },
    ]);
    expect(reads.body.nextCursor).not.toBeNull();
    const next = await fixture.adminClient.get(`/api/v1/transfer-box/reads?limit=2&cursor=${reads.body.nextCursor}`);
    expect(next.body.items.map((read: { itemId: string }) => read.itemId)).not.toContain(id);
  });

  it('keeps the record of reads from other licences and from non-admins', async () => {
    expect((await recipient.client.get('/api/v1/transfer-box/reads')).status).toBe(403);
    const other = await createLicence(test);
    expect((await other.adminClient.get('/api/v1/transfer-box/reads')).body.items).toEqual([]);
  });
});

describe('the contract', () => {
  it('is in the OpenAPI document', async () => {
    const paths = Object.keys((await test.anonymous().get('/openapi.json')).body.paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/transfer-box', '/api/v1/transfer-box/{id}/content', '/api/v1/transfer-box/reads', '/operator/v1/licences/{code}/transfer-box']));
  });
});
