import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../db/client.ts';
import { outbox, PLATFORM_LICENCE_ID } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import type { Channel, MessageTransport } from './transports.ts';

// E-mails and SMS are written to the outbox in the transaction of the change that causes them and
// delivered afterwards by the worker, with retries: a message is never lost when a process dies,
// and never sent for a change that rolled back.

export interface OutgoingMessage {
  licenceId: string | null;
  channel: Channel;
  to: string;
  subject?: string;
  text: string;
}

export async function enqueueMessages(executor: Executor, messages: readonly OutgoingMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await executor.insert(outbox).values(
    messages.map((message) => ({
      id: randomUUID(),
      // The platform's own messages (back-channel logout notices) are filed under its id (0013).
      licenceId: message.licenceId ?? PLATFORM_LICENCE_ID,
      channel: message.channel,
      recipient: message.to,
      subject: message.subject ?? '',
      body: message.text,
    })),
  );
}

interface ClaimedMessage {
  id: string;
  licence_id: string;
  channel: Channel;
  recipient: string;
  subject: string;
  body: string;
  attempts: number;
}

export interface OutboxOptions {
  pollMilliseconds?: number;
  /** How long a claim lasts without renewal: a dead process's claimed messages wait this long at most. */
  leaseSeconds?: number;
  /**
   * Mark a message sent in a transaction opened before it is handed over and committed the instant
   * the server accepts it (PostgreSQL). Not on the embedded database, whose single connection the
   * open transaction would hold for the time of a delivery.
   */
  markWhileSending?: boolean;
}

/**
 * Small claims: a process that dies holds few messages back, and only until its lease runs out. A
 * message of a killed process waits at most the lease and one poll: 25 s and 1 s, under half a minute.
 */
const BATCH = 10;
const MAX_ATTEMPTS = 8;
const LEASE_SECONDS = 25;
const backoffSeconds = (attempts: number) => Math.min(3600, 5 * 4 ** (attempts - 1));
const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;
/** Rows are keyed by (licence_id, id): every statement names both, so it finds the row by its key. */
const claimList = (claims: Iterable<readonly [string, Claim]>) =>
  sql.join(
    [...claims].map(([id, claim]) => sql`(${claim.licenceId}::uuid, ${id}::uuid, ${claim.attempts}::int)`),
    sql`, `,
  );

interface Claim {
  licenceId: string;
  attempts: number;
}

/**
 * Delivery is at least once and never lost. On PostgreSQL it is exactly once but for one instant:
 * the mark "sent" is written in a transaction opened before the message is handed over, and its
 * COMMIT leaves the moment the server answers that it took the message; a process killed in the
 * microseconds between that answer and the COMMIT's departure sends that one message again after
 * its lease, and a delivery that fails rolls the mark back. No protocol closes that instant: the
 * SMTP server's acceptance and the database's commit are two systems. (On the embedded database the
 * mark follows the acceptance by a statement, so the instant is that statement's.) Every message
 * carries a Message-ID derived from its outbox id, the same on every attempt, so a receiver can
 * tell a repeat from a new message.
 *
 * A claim is a lease of `leaseSeconds`, renewed every third of it while the worker holds the
 * message; the claim's attempt number fences it: a worker whose lease lapsed (it could not reach the
 * database in time) and was taken over by another sees its renewal refused and does not send.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private stopping = false;
  /** Claimed by this worker, not yet marked sent: message id → its licence and the attempt number of our claim. */
  private readonly held = new Map<string, Claim>();
  /** The message being handed over in a transaction that holds its row (see markWhileSending). */
  private inFlight: string | null = null;
  private readonly markWhileSending: boolean;
  /** Sent, but the mark failed (the database was unreachable): marked before anything else is sent. */
  private readonly unmarked = new Map<string, Claim>();
  /** Until when (local clock, measured before the database's) our claims surely hold. */
  private leaseValidUntil = 0;
  private readonly pollMilliseconds: number;
  private readonly leaseMilliseconds: number;

  constructor(
    private readonly db: Database,
    private readonly transports: Partial<Record<Channel, MessageTransport>>,
    private readonly logger: Logger,
    options: OutboxOptions = {},
  ) {
    this.pollMilliseconds = options.pollMilliseconds ?? 1_000;
    this.leaseMilliseconds = (options.leaseSeconds ?? LEASE_SECONDS) * 1_000;
    this.markWhileSending = options.markWhileSending ?? false;
  }

  start(): void {
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  /** Delivers soon rather than at the next poll, e.g. right after a change committed a message. */
  nudge(): void {
    if (!this.stopped && this.running === null) this.schedule(0);
  }

  /** Finishes the message in flight and hands the rest of its claim back for another process. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Delivers every message that is due; answers how many were delivered. */
  async deliverDue(): Promise<number> {
    const heartbeat = setInterval(() => {
      this.renewLeases().catch((error: unknown) => this.logger.warn({ err: error }, 'outbox leases not renewed'));
    }, this.leaseMilliseconds / 3);
    heartbeat.unref();
    try {
      await this.markUnmarked();
      let delivered = 0;
      for (;;) {
        const claimed = await this.claim();
        delivered += await this.deliverClaimed(claimed);
        if (claimed.length < BATCH || this.stopping) return delivered;
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async deliverClaimed(claimed: ClaimedMessage[]): Promise<number> {
    let delivered = 0;
    try {
      for (const message of claimed) {
        // Renewals that failed for most of a lease, or a refused renewal: another worker may have it.
        if (this.stopping || !this.held.has(message.id) || Date.now() > this.leaseValidUntil - this.leaseMilliseconds / 3) break;
        if (this.markWhileSending) {
          if (await this.deliverMarked(message)) delivered++;
        } else if (await this.deliver(message)) {
          await this.markSent(message);
          delivered++;
        }
      }
    } finally {
      await this.release(claimed.filter((message) => this.held.has(message.id) && !this.unmarked.has(message.id)));
    }
    return delivered;
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.deliverDue()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.error({ err: error }, 'outbox delivery failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.schedule(this.pollMilliseconds);
        });
    }, delay);
    this.timer.unref();
  }

  private async claim(): Promise<ClaimedMessage[]> {
    const asked = Date.now();
    // RETURNING keeps no order: the claimed rows are sorted by the database, oldest first, so that a
    // welcome e-mail precedes a later reset. (Sorted here, by JavaScript dates, two messages queued
    // within the same millisecond came in either order: the database keeps microseconds.)
    const result = await this.db.execute(sql`
      WITH claimed AS (
        UPDATE outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ${this.leaseMilliseconds / 1000})
        WHERE (licence_id, id) IN (
          SELECT licence_id, id FROM outbox
          WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
          ORDER BY next_attempt_at
          LIMIT ${BATCH}
          FOR UPDATE SKIP LOCKED
        )
        RETURNING id, licence_id, channel, recipient, subject, body, attempts, created_at
      )
      SELECT id, licence_id, channel, recipient, subject, body, attempts FROM claimed ORDER BY created_at`);
    this.leaseValidUntil = asked + this.leaseMilliseconds;
    const rows = rowsOf<ClaimedMessage>(result);
    rows.forEach((row) => this.held.set(row.id, { licenceId: row.licence_id, attempts: row.attempts }));
    return rows;
  }

  /**
   * The heartbeat: extends the claims we still hold; a claim another worker took over is dropped.
   * The message in flight is left out: its transaction holds its row, which no one else can claim.
   */
  private async renewLeases(): Promise<void> {
    const holding = [...this.held].filter(([id]) => id !== this.inFlight);
    if (holding.length === 0) return;
    const asked = Date.now();
    const result = await this.db.execute(sql`
      UPDATE outbox SET next_attempt_at = now() + make_interval(secs => ${this.leaseMilliseconds / 1000})
      FROM (VALUES ${claimList(holding)}) AS claim (licence_id, id, attempts)
      WHERE outbox.licence_id = claim.licence_id AND outbox.id = claim.id AND outbox.attempts = claim.attempts
        AND outbox.sent_at IS NULL AND outbox.failed_at IS NULL
      RETURNING outbox.id`);
    const renewed = new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
    for (const [id] of holding) if (!renewed.has(id) && !this.unmarked.has(id)) this.held.delete(id);
    this.leaseValidUntil = asked + this.leaseMilliseconds;
  }

  /**
   * A delivered message's text is erased: it may carry a set-password link or an API secret, which
   * must not outlive their delivery in the database. Who got what, and when, stays.
   */
  private async markSent(message: ClaimedMessage): Promise<void> {
    try {
      await this.db.execute(sql`UPDATE outbox SET sent_at = now(), last_error = NULL, body = '' WHERE licence_id = ${message.licence_id} AND id = ${message.id}`);
      this.held.delete(message.id);
    } catch (error) {
      // Kept claimed (the heartbeat renews it) and marked once the database answers again.
      this.unmarked.set(message.id, { licenceId: message.licence_id, attempts: message.attempts });
      throw error;
    }
  }

  private async markUnmarked(): Promise<void> {
    if (this.unmarked.size === 0) return;
    const claims = [...this.unmarked];
    await this.db.execute(sql`
      UPDATE outbox SET sent_at = now(), last_error = NULL, body = ''
      FROM (VALUES ${claimList(claims)}) AS claim (licence_id, id, attempts)
      WHERE outbox.licence_id = claim.licence_id AND outbox.id = claim.id`);
    claims.forEach(([id]) => {
      this.unmarked.delete(id);
      this.held.delete(id);
    });
  }

  /** Claimed messages this worker will not send now go back at once, their attempt not counted. */
  private async release(messages: ClaimedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    messages.forEach((message) => this.held.delete(message.id));
    const claims = claimList(messages.map((message) => [message.id, { licenceId: message.licence_id, attempts: message.attempts }] as const));
    // Best effort: when the database cannot be reached, the lease runs out on its own.
    await this.db
      .execute(sql`
        UPDATE outbox SET next_attempt_at = now(), attempts = outbox.attempts - 1
        FROM (VALUES ${claims}) AS claim (licence_id, id, attempts)
        WHERE outbox.licence_id = claim.licence_id AND outbox.id = claim.id AND outbox.attempts = claim.attempts AND outbox.sent_at IS NULL`)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'claimed messages not handed back; their lease will run out'));
  }

  private async handOver(message: ClaimedMessage): Promise<void> {
    const transport = this.transports[message.channel];
    if (transport === undefined) throw new Error(`no transport for ${message.channel} messages`);
    await transport.send({ channel: message.channel, to: message.recipient, subject: message.subject, text: message.body }, { id: message.id });
  }

  /**
   * PostgreSQL: the mark is written first, in a transaction that commits as soon as the server took
   * the message and rolls back if it did not. The mark names our claim's attempt: a claim another
   * worker took over is not sent.
   */
  private async deliverMarked(message: ClaimedMessage): Promise<boolean> {
    let handedOver = false;
    this.inFlight = message.id;
    try {
      const marked = await this.db.transaction(async (tx) => {
        const result = await tx.execute(sql`
          UPDATE outbox SET sent_at = now(), last_error = NULL, body = ''
          WHERE licence_id = ${message.licence_id} AND id = ${message.id} AND attempts = ${message.attempts} AND sent_at IS NULL AND failed_at IS NULL
          RETURNING id`);
        if (rowsOf(result).length === 0) return false;
        await this.handOver(message);
        handedOver = true;
        return true;
      });
      this.held.delete(message.id);
      return marked;
    } catch (error) {
      if (handedOver) {
        // The server has it but the COMMIT failed: kept claimed, and marked once the database answers.
        this.unmarked.set(message.id, { licenceId: message.licence_id, attempts: message.attempts });
        throw error;
      }
      return this.deliveryFailed(message, error);
    } finally {
      this.inFlight = null;
    }
  }

  private async deliver(message: ClaimedMessage): Promise<boolean> {
    try {
      await this.handOver(message);
      return true;
    } catch (error) {
      return this.deliveryFailed(message, error);
    }
  }

  private async deliveryFailed(message: ClaimedMessage, error: unknown): Promise<false> {
    const reason = error instanceof Error ? error.message : String(error);
    const giveUp = message.attempts >= MAX_ATTEMPTS;
    this.logger.warn({ messageId: message.id, channel: message.channel, attempts: message.attempts, reason }, giveUp ? 'message abandoned' : 'message delivery will be retried');
    this.held.delete(message.id);
    await this.db.execute(sql`
      UPDATE outbox SET last_error = ${reason.slice(0, 1000)},
        next_attempt_at = now() + make_interval(secs => ${backoffSeconds(message.attempts)}),
        failed_at = CASE WHEN ${giveUp} THEN now() ELSE NULL END
      WHERE licence_id = ${message.licence_id} AND id = ${message.id} AND attempts = ${message.attempts}`);
    return false;
  }
}
