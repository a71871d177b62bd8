import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAccounts, apiTokens, licences, outbox, passwordTokens, sessions, signInChallenges, throttles, transferBoxItems, users } from '../../src/platform/db/schema.ts';
import { PURGE_LOCK_KEY } from '../../src/platform/purge.ts';
import { operatorSessions } from '../../src/platform/http/operator-sessions.ts';
import { configurationId, createLicence, startTestApp, type LicenceFixture, type TestApp } from '../support/app.ts';
import { onPostgres } from '../support/database.ts';

// Expired sessions, password links, sign-in challenges, API tokens, throttles, Transfer Box items
// and delivered messages are deleted by the scheduled purge; live ones stay. One process purges at a time.

let test: TestApp;
let fixture: LicenceFixture;
let licenceId: string;
let adminId: string;
beforeAll(async () => {
  test = await startTestApp();
  fixture = await createLicence(test);
  const db = test.app.context.db;
  licenceId = (await db.select({ id: licences.id }).from(licences).where(eq(licences.code, fixture.code)))[0]!.id;
  adminId = (await db.select({ id: users.id }).from(users).where(and(eq(users.licenceId, licenceId), eq(users.login, 'admin'))))[0]!.id;
});
afterAll(() => test.close());

const hours = (n: number) => new Date(Date.now() + n * 3_600_000);

/** One expired (or spent) and one live row of every kind; answers the ids of each, by kind. */
async function seed() {
  const db = test.app.context.db;
  const id = () => randomUUID();
  const ids = { expired: {} as Record<string, string>, live: {} as Record<string, string> };
  const pair = (kind: string) => ((ids.expired[kind] = id()), (ids.live[kind] = id()), [ids.expired[kind]!, ids.live[kind]!] as const);

  const [oldSession, liveSession] = pair('sessions');
  await db.insert(sessions).values([
    { licenceId, id: oldSession, userId: adminId, tokenHash: id(), expiresAt: hours(-1) },
    { licenceId, id: liveSession, userId: adminId, tokenHash: id(), expiresAt: hours(5) },
  ]);
  const [usedLink, liveLink] = pair('password_links');
  await db.insert(passwordTokens).values([
    { licenceId, id: usedLink, userId: adminId, tokenHash: id(), purpose: 'reset', expiresAt: hours(1), usedAt: hours(-0.1) },
    { licenceId, id: liveLink, userId: adminId, tokenHash: id(), purpose: 'reset', expiresAt: hours(1) },
  ]);
  const [oldChallenge, liveChallenge] = pair('sign_in_challenges');
  await db.insert(signInChallenges).values([
    { licenceId, id: oldChallenge, userId: adminId, tokenHash: id(), methods: ['sms'], expiresAt: hours(-1) },
    { licenceId, id: liveChallenge, userId: adminId, tokenHash: id(), methods: ['sms'], expiresAt: hours(1) },
  ]);
  const accountId = id();
  await db.insert(apiAccounts).values({ licenceId, id: accountId, login: `ws-${accountId}`, holderFirstName: 'P', holderLastName: 'Q', holderEmail: 'p@example.com', configurationId: configurationId(fixture, 'reviewer'), entityGroupId: fixture.groups[0].id, secretHash: 'x' });
  const [oldToken, liveToken] = pair('api_tokens');
  await db.insert(apiTokens).values([
    { licenceId, id: oldToken, apiAccountId: accountId, tokenHash: id(), expiresAt: hours(-1) },
    { licenceId, id: liveToken, apiAccountId: accountId, tokenHash: id(), expiresAt: hours(1) },
  ]);
  const [sent, waiting] = pair('outbox');
  await db.insert(outbox).values([
    { id: sent, licenceId, channel: 'email', recipient: 'a@example.com', body: '', sentAt: hours(-0.5) },
    { id: waiting, licenceId, channel: 'email', recipient: 'b@example.com', body: 'a link', nextAttemptAt: hours(1) },
  ]);
  const [oldThrottle, liveThrottle] = pair('throttles');
  await db.insert(throttles).values([
    { key: oldThrottle, scope: 'test', updatedAt: hours(-2), expiresAt: hours(-1) },
    { key: liveThrottle, scope: 'test', updatedAt: hours(0), expiresAt: hours(1) },
  ]);
  const [oldItem, liveItem] = pair('transfer_box_items');
  const item = { licenceId, recipientId: adminId, name: 'f.txt', contentType: 'text/plain', size: 1, senderKind: 'system' as const, senderName: 'test', createdAt: hours(-48), content: Buffer.from('x') };
  await db.insert(transferBoxItems).values([
    { ...item, id: oldItem, expiresAt: hours(-1) },
    { ...item, id: liveItem, expiresAt: hours(1) },
  ]);
  const [oldOperatorSession, liveOperatorSession] = pair('operator_sessions');
  const operatorSession = { tokenHash: id(), sourceHash: id(), name: 'bootstrap', createdAt: hours(-1), lastSeenAt: hours(0) };
  await db.insert(operatorSessions).values([
    { ...operatorSession, id: oldOperatorSession, expiresAt: hours(-0.5) },
    { ...operatorSession, id: liveOperatorSession, tokenHash: id(), expiresAt: hours(5) },
  ]);
  return ids;
}

async function present(kind: string, id: string): Promise<boolean> {
  const db = test.app.context.db;
  const found =
    kind === 'sessions' ? await db.select({ id: sessions.id }).from(sessions).where(inArray(sessions.id, [id]))
    : kind === 'password_links' ? await db.select({ id: passwordTokens.id }).from(passwordTokens).where(eq(passwordTokens.id, id))
    : kind === 'sign_in_challenges' ? await db.select({ id: signInChallenges.id }).from(signInChallenges).where(eq(signInChallenges.id, id))
    : kind === 'api_tokens' ? await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.id, id))
    : kind === 'outbox' ? await db.select({ id: outbox.id }).from(outbox).where(eq(outbox.id, id))
    : kind === 'operator_sessions' ? await db.select({ id: operatorSessions.id }).from(operatorSessions).where(eq(operatorSessions.id, id))
    : kind === 'throttles' ? await db.select({ id: throttles.key }).from(throttles).where(eq(throttles.key, id))
    : await db.select({ id: transferBoxItems.id }).from(transferBoxItems).where(eq(transferBoxItems.id, id));
  return found.length > 0;
}

async function purgedMetric(): Promise<Record<string, number>> {
  const text = String((await test.anonymous().get('/metrics')).body);
  return Object.fromEntries([...text.matchAll(/^gatehouse_purged_rows_total\{kind="([a-z_]+)"\} (\d+)$/gm)].map(([, kind, value]) => [kind!, Number(value)]));
}

describe('the purge of expired rows', () => {
  it('removes what has expired or is spent, keeps what is live, and counts what it removed', async () => {
    const before = await purgedMetric();
    const ids = await seed();
    const outcome = await test.app.purge.run();
    expect(outcome.ran).toBe(true);
    const after = await purgedMetric();
    for (const kind of Object.keys(ids.expired)) {
      expect(await present(kind, ids.expired[kind]!), `expired ${kind}`).toBe(false);
      expect(await present(kind, ids.live[kind]!), `live ${kind}`).toBe(true);
      if (outcome.ran) expect(outcome.removed[kind as keyof typeof outcome.removed], kind).toBeGreaterThanOrEqual(1);
      expect((after[kind] ?? 0) - (before[kind] ?? 0), `metric ${kind}`).toBe(outcome.ran ? outcome.removed[kind as keyof typeof outcome.removed] : 0);
    }
    // The admin's own session, signed in a moment ago, still works.
    expect((await fixture.adminClient.get('/api/v1/me')).status).toBe(200);
  });

  it('ends idle sessions too, and a later run finds nothing more to do', async () => {
    const realNow = test.app.context.now;
    test.app.context.now = () => new Date(Date.now() + 31 * 60_000);
    try {
      const outcome = await test.app.purge.run();
      expect(outcome.ran && outcome.removed.sessions).toBeGreaterThanOrEqual(1);
    } finally {
      test.app.context.now = realNow;
    }
    expect(await test.app.context.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, adminId))).toEqual([]);
    const again = await test.app.purge.run();
    expect(again.ran && Object.values(again.removed).every((n) => n === 0)).toBe(true);
  });

  it('runs in one process at a time: two at once remove each row once', async () => {
    const before = await purgedMetric();
    await seed();
    const outcomes = await Promise.all([test.app.purge.run(), test.app.purge.run()]);
    const removed = outcomes.map((o) => (o.ran ? Object.values(o.removed).reduce((a, b) => a + b, 0) : 0));
    expect(removed.reduce((a, b) => a + b, 0)).toBe(8);
    const after = await purgedMetric();
    expect(Object.keys(after).reduce((sum, kind) => sum + after[kind]! - (before[kind] ?? 0), 0)).toBe(8);
  });

  it.skipIf(!onPostgres)('skips its turn while another process holds the purge lock', async () => {
    await seed();
    const other = new pg.Client({ connectionString: test.database.url! });
    await other.connect();
    try {
      await other.query('BEGIN');
      expect((await other.query(`SELECT pg_try_advisory_xact_lock(${PURGE_LOCK_KEY.toString()}) AS locked`)).rows[0].locked).toBe(true);
      expect(await test.app.purge.run()).toEqual({ ran: false });
      await other.query('COMMIT');
      expect((await test.app.purge.run()).ran).toBe(true);
    } finally {
      await other.end();
    }
  });
});
