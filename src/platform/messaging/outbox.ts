import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../db/client.ts';
import { outbox } from '../db/schema.ts';
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
      licenceId: message.licenceId,
      channel: message.channel,
      recipient: message.to,
      subject: message.subject ?? '',
      body: message.text,
    })),
  );
}

interface ClaimedMessage {
  id: string;
  channel: Channel;
  recipient: string;
  subject: string;
  body: string;
  attempts: number;
}

const BATCH = 100;
const MAX_ATTEMPTS = 8;
/** A claimed message whose process died mid-send is retried once this lease runs out. */
const LEASE_SECONDS = 300;
const backoffSeconds = (attempts: number) => Math.min(3600, 5 * 4 ** (attempts - 1));

export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly db: Database,
    private readonly transports: Partial<Record<Channel, MessageTransport>>,
    private readonly logger: Logger,
    private readonly pollMilliseconds = 1_000,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Delivers soon rather than at the next poll, e.g. right after a change committed a message. */
  nudge(): void {
    if (!this.stopped && this.running === null) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Delivers every message that is due; answers how many were delivered. */
  async deliverDue(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const claimed = await this.claim();
      // Marked sent once per batch: a process dying mid-batch has its claimed messages sent again
      // when their lease runs out (at least once, never lost).
      const sent: string[] = [];
      for (const message of claimed) if (await this.deliver(message)) sent.push(message.id);
      // A delivered message's text is erased: it may carry a set-password link or an API secret,
      // which must not outlive their delivery in the database. Who got what, and when, stays.
      if (sent.length > 0) await this.db.execute(sql`UPDATE outbox SET sent_at = now(), last_error = NULL, body = '' WHERE id IN ${sql`(${sql.join(sent.map((id) => sql`${id}::uuid`), sql`, `)})`}`);
      delivered += sent.length;
      if (claimed.length < BATCH) return delivered;
    }
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
    const result = await this.db.execute(sql`
      UPDATE outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS})
      WHERE id IN (
        SELECT id FROM outbox
        WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
        ORDER BY next_attempt_at
        LIMIT ${BATCH}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, channel, recipient, subject, body, attempts, created_at`);
    // Both drivers answer { rows }; Drizzle types the raw result loosely.
    // RETURNING keeps no order: deliver oldest first, so a welcome e-mail precedes a later reset.
    const rows = (result as unknown as { rows: (ClaimedMessage & { created_at: Date | string })[] }).rows;
    return rows.sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime());
  }

  private async deliver(message: ClaimedMessage): Promise<boolean> {
    try {
      const transport = this.transports[message.channel];
      if (transport === undefined) throw new Error(`no transport for ${message.channel} messages`);
      await transport.send({
        channel: message.channel,
        to: message.recipient,
        subject: message.subject,
        text: message.body,
      });
      return true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const giveUp = message.attempts >= MAX_ATTEMPTS;
      this.logger.warn({ messageId: message.id, channel: message.channel, attempts: message.attempts, reason }, giveUp ? 'message abandoned' : 'message delivery will be retried');
      await this.db.execute(sql`
        UPDATE outbox SET last_error = ${reason.slice(0, 1000)},
          next_attempt_at = now() + make_interval(secs => ${backoffSeconds(message.attempts)}),
          failed_at = CASE WHEN ${giveUp} THEN now() ELSE NULL END
        WHERE id = ${message.id}`);
      return false;
    }
  }
}
