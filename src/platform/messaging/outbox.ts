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
}

/** Small claims: a process that dies holds few messages back, and only until its lease runs out. */
const BATCH = 10;
const MAX_ATTEMPTS = 8;
const LEASE_SECONDS = 30;
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
 * Delivery is at least once, never lost, and repeats at most the one message in flight when a
 * process dies: each message is marked sent right after the server took it, so a process killed
 * between the server's acceptance and that mark sends that one message again after its lease.
 * Exactly once would need the receiving server's help; every message carries a Message-ID derived
 * from its outbox id, the same on every attempt, so a receiver that deduplicates can.
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
        if (await this.deliver(message)) {
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
    const result = await this.db.execute(sql`
      UPDATE outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ${this.leaseMilliseconds / 1000})
      WHERE (licence_id, id) IN (
        SELECT licence_id, id FROM outbox
        WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
        ORDER BY next_attempt_at
        LIMIT ${BATCH}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, licence_id, channel, recipient, subject, body, attempts, created_at`);
    this.leaseValidUntil = asked + this.leaseMilliseconds;
    // RETURNING keeps no order: deliver oldest first, so a welcome e-mail precedes a later reset.
    const rows = rowsOf<ClaimedMessage & { created_at: Date | string }>(result);
    rows.forEach((row) => this.held.set(row.id, { licenceId: row.licence_id, attempts: row.attempts }));
    return rows.sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime());
  }

  /** The heartbeat: extends the claims we still hold; a claim another worker took over is dropped. */
  private async renewLeases(): Promise<void> {
    const holding = [...this.held];
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

  private async deliver(message: ClaimedMessage): Promise<boolean> {
    try {
      const transport = this.transports[message.channel];
      if (transport === undefined) throw new Error(`no transport for ${message.channel} messages`);
      await transport.send({ channel: message.channel, to: message.recipient, subject: message.subject, text: message.body }, { id: message.id });
      return true;
    } catch (error) {
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
}
