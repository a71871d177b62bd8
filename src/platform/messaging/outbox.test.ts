import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { createLogger } from '../logger.ts';
import { enqueueMessages, OutboxWorker } from './outbox.ts';
import type { DeliverableMessage, MessageTransport } from './transports.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const logger = createLogger('silent');
const keeping = () => {
  const sent: DeliverableMessage[] = [];
  const transport: MessageTransport = { send: async (message) => void sent.push(message) };
  return { sent, transport };
};
/** A transport whose server refuses the first message handed to it, then keeps what it is given. */
const refusingFirst = () => {
  let failures = 1;
  const sent: DeliverableMessage[] = [];
  const transport: MessageTransport = {
    send: async (message) => {
      if (failures-- > 0) throw new Error('SMTP server unavailable');
      sent.push(message);
    },
  };
  return { sent, transport };
};
const state = async (to: string) => {
  const result = await database.handle.db.execute(sql`SELECT attempts, sent_at, failed_at, last_error, next_attempt_at > now() AS later FROM outbox WHERE recipient = ${to}`);
  return (result as unknown as { rows: Record<string, unknown>[] }).rows[0]!;
};

describe('the outbox', () => {
  it('sends nothing for a change that rolled back', async () => {
    const { sent, transport } = keeping();
    await database.handle.db
      .transaction(async (tx) => {
        await enqueueMessages(tx, [{ licenceId: null, channel: 'email', to: 'rolled@back.example', subject: 's', text: 't' }]);
        throw new Error('the change failed');
      })
      .catch(() => undefined);
    await new OutboxWorker(database.handle.db, { email: transport, sms: transport }, logger).deliverDue();
    expect(sent.filter((m) => m.to === 'rolled@back.example')).toEqual([]);
  });

  it('delivers oldest first, to the microsecond: two messages queued within one millisecond keep their order', async () => {
    const [older, newer] = ['order-older@example.com', 'order-newer@example.com'];
    // The newer is written first, so that the table's own order is the wrong one.
    await enqueueMessages(database.handle.db, [{ licenceId: null, channel: 'email', to: newer, subject: 's', text: 't' }]);
    await enqueueMessages(database.handle.db, [{ licenceId: null, channel: 'email', to: older, subject: 's', text: 't' }]);
    // Queued 800 microseconds apart; the newer due first (the claim takes the due in that order).
    await database.handle.db.execute(sql`UPDATE outbox SET created_at = '2026-01-01T00:00:00.000900Z', next_attempt_at = now() - interval '2 seconds' WHERE recipient = ${newer}`);
    await database.handle.db.execute(sql`UPDATE outbox SET created_at = '2026-01-01T00:00:00.000100Z', next_attempt_at = now() - interval '1 second' WHERE recipient = ${older}`);
    const { sent, transport } = keeping();
    expect(await new OutboxWorker(database.handle.db, { email: transport, sms: transport }, logger).deliverDue()).toBe(2);
    expect(sent.map((message) => message.to)).toEqual([older, newer]);
  });

  it('keeps a message whose delivery failed and retries it later, then delivers it once', async () => {
    const { sent, transport: flaky } = refusingFirst();
    await enqueueMessages(database.handle.db, [{ licenceId: null, channel: 'email', to: 'retry@example.com', subject: 'Hi', text: 'Body' }]);
    const worker = new OutboxWorker(database.handle.db, { email: flaky, sms: flaky }, logger);
    expect(await worker.deliverDue()).toBe(0);
    expect(await state('retry@example.com')).toMatchObject({ attempts: 1, sent_at: null, last_error: 'SMTP server unavailable', later: true });
    // Not due yet: nothing is sent twice in a hurry.
    expect(await worker.deliverDue()).toBe(0);
    await database.handle.db.execute(sql`UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE recipient = 'retry@example.com'`);
    expect(await worker.deliverDue()).toBe(1);
    expect(sent).toEqual([{ channel: 'email', to: 'retry@example.com', subject: 'Hi', text: 'Body' }]);
    const kept = await database.handle.db.execute(sql`SELECT body, subject FROM outbox WHERE recipient = 'retry@example.com'`);
    expect((kept as unknown as { rows: unknown[] }).rows).toEqual([{ body: '', subject: 'Hi' }]);
    expect(await worker.deliverDue()).toBe(0);
  });

  it('delivers, through another worker, a message whose worker died while sending it', async () => {
    await enqueueMessages(database.handle.db, [{ licenceId: null, channel: 'sms', to: '+33600000001', text: 'Your code' }]);
    // A transport that takes the message and never answers: its worker is as good as dead.
    let handedOver: () => void = () => undefined;
    const sending = new Promise<void>((resolve) => (handedOver = resolve));
    const dying: MessageTransport = {
      send: () => {
        handedOver();
        return new Promise(() => undefined);
      },
    };
    const first = new OutboxWorker(database.handle.db, { email: dying, sms: dying }, logger);
    void first.deliverDue();
    await sending;
    expect(await state('+33600000001')).toMatchObject({ attempts: 1, sent_at: null, later: true });

    // The claim is a lease: once it runs out another process picks the message up.
    await database.handle.db.execute(sql`UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE recipient = '+33600000001'`);
    const { sent, transport } = keeping();
    await new OutboxWorker(database.handle.db, { email: transport, sms: transport }, logger).deliverDue();
    expect(sent.map((m) => m.text)).toEqual(['Your code']);
  });

  it('gives up after eight attempts and says so', async () => {
    const broken: MessageTransport = { send: async () => Promise.reject(new Error('mailbox does not exist')) };
    await enqueueMessages(database.handle.db, [{ licenceId: null, channel: 'email', to: 'gone@example.com', text: 'x' }]);
    const worker = new OutboxWorker(database.handle.db, { email: broken, sms: broken }, logger);
    for (let attempt = 0; attempt < 8; attempt++) {
      await database.handle.db.execute(sql`UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE recipient = 'gone@example.com'`);
      await worker.deliverDue();
    }
    const final = await state('gone@example.com');
    expect(final.attempts).toBe(8);
    expect(final.failed_at).not.toBeNull();
  });
  it('marks each message sent as soon as the server took it, and keeps its short claim while the sender lives', async () => {
    const to = ['+33600000011', '+33600000012', '+33600000013'];
    for (const number of to) await enqueueMessages(database.handle.db, [{ licenceId: null, channel: 'sms', to: number, text: 'Your code' }]);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The third message handed to the server stays there (messages made in the same instant may come
    // in any order, so which one is decided by the order of delivery).
    const handed: string[] = [];
    const slowThird: MessageTransport = { send: async (message) => (handed.push(message.to) === 3 ? held : undefined) };
    const worker = new OutboxWorker(database.handle.db, { email: slowThird, sms: slowThird }, logger, { leaseSeconds: 0.6 });
    const delivering = worker.deliverDue();
    await expect.poll(() => handed.length, { timeout: 5_000 }).toBe(3);
    // Re-ordered so the held one is last: what follows reads to[2] as the one at the server.
    to.splice(0, 3, ...handed);
    // The first two are marked while the third is still with the server, not after the batch.
    for (const number of to.slice(0, 2)) await expect.poll(async () => (await state(number)).sent_at, { timeout: 5_000 }).not.toBeNull();
    // The heartbeat renews the third's claim beyond its first lease: no other worker takes it meanwhile.
    const leaseEnd = async () => {
      const result = await database.handle.db.execute(sql`SELECT extract(epoch FROM next_attempt_at)::float AS at FROM outbox WHERE recipient = ${to[2]!}`);
      return (result as unknown as { rows: { at: number }[] }).rows[0]!.at;
    };
    const firstLeaseEnd = await leaseEnd();
    await expect.poll(async () => (await leaseEnd()) > firstLeaseEnd + 1, { timeout: 5_000 }).toBe(true);
    expect(await state(to[2]!)).toMatchObject({ sent_at: null, later: true });
    const { sent, transport } = keeping();
    await new OutboxWorker(database.handle.db, { email: transport, sms: transport }, logger).deliverDue();
    expect(sent.filter((m) => to.includes(m.to))).toEqual([]);
    release();
    expect(await delivering).toBe(3);
  });
});

// On PostgreSQL the mark "sent" is written in a transaction opened before the message is handed over
// and committed when the server took it (app.ts turns it on there).
describe.skipIf(!process.env.TEST_DATABASE_URL)('the outbox on PostgreSQL, marking while it sends', () => {
  const options = { markWhileSending: true };

  it('rolls the mark back when the server refuses, then delivers once', async () => {
    const { sent, transport: flaky } = refusingFirst();
    await enqueueMessages(database.handle.db, [{ licenceId: null, channel: 'email', to: 'marked-retry@example.com', subject: 'Hi', text: 'Body' }]);
    const worker = new OutboxWorker(database.handle.db, { email: flaky, sms: flaky }, logger, options);
    expect(await worker.deliverDue()).toBe(0);
    expect(await state('marked-retry@example.com')).toMatchObject({ attempts: 1, sent_at: null, last_error: 'SMTP server unavailable', later: true });
    await database.handle.db.execute(sql`UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE recipient = 'marked-retry@example.com'`);
    expect(await worker.deliverDue()).toBe(1);
    expect(sent.map((message) => message.to)).toEqual(['marked-retry@example.com']);
    expect(await state('marked-retry@example.com')).toMatchObject({ attempts: 2, last_error: null });
    expect((await state('marked-retry@example.com')).sent_at).not.toBeNull();
    expect(await worker.deliverDue()).toBe(0);
  });

  it('holds the message it is handing over: no other worker takes it, even past its lease, and it is marked when the server took it', async () => {
    const to = 'marked-held@example.com';
    await enqueueMessages(database.handle.db, [{ licenceId: null, channel: 'email', to, subject: 's', text: 't' }]);
    let accept: () => void = () => undefined;
    const atServer = new Promise<void>((resolve) => (accept = resolve));
    let handed = 0;
    const slow: MessageTransport = { send: async () => void (handed++, await atServer) };
    const worker = new OutboxWorker(database.handle.db, { email: slow, sms: slow }, logger, { ...options, leaseSeconds: 0.6 });
    const delivering = worker.deliverDue();
    await expect.poll(() => handed, { timeout: 5_000 }).toBe(1);
    // Its lease runs out while the server has it (its row is held, so the lease is not renewed)...
    await expect.poll(async () => (await state(to)).later, { timeout: 5_000 }).toBe(false);
    // ...and another worker still does not send it.
    const { sent, transport } = keeping();
    await new OutboxWorker(database.handle.db, { email: transport, sms: transport }, logger, options).deliverDue();
    expect(sent.filter((message) => message.to === to)).toEqual([]);
    expect((await state(to)).sent_at).toBeNull();
    accept();
    expect(await delivering).toBe(1);
    expect((await state(to)).sent_at).not.toBeNull();
  });

  it('does not send a message whose claim another worker took over meanwhile', async () => {
    const [first, second] = ['marked-first@example.com', 'marked-taken@example.com'];
    await enqueueMessages(database.handle.db, [{ licenceId: null, channel: 'email', to: first, subject: 's', text: 't' }]);
    await enqueueMessages(database.handle.db, [{ licenceId: null, channel: 'email', to: second, subject: 's', text: 't' }]);
    let accept: () => void = () => undefined;
    const atServer = new Promise<void>((resolve) => (accept = resolve));
    const handed: string[] = [];
    const transport: MessageTransport = { send: async (message) => void (handed.push(message.to), message.to === first ? await atServer : undefined) };
    const worker = new OutboxWorker(database.handle.db, { email: transport, sms: transport }, logger, options);
    const delivering = worker.deliverDue();
    await expect.poll(() => handed, { timeout: 5_000 }).toEqual([first]);
    // While the first is at the server, another worker claims the second (its lease had run out).
    await database.handle.db.execute(sql`UPDATE outbox SET attempts = attempts + 1 WHERE recipient = ${second}`);
    accept();
    expect(await delivering).toBe(1);
    expect(handed).toEqual([first]);
    expect((await state(second)).sent_at).toBeNull();
  });
});
