import { randomUUID } from 'node:crypto';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Executor, Transaction } from '../../platform/db/client.ts';
import type { Sealer } from '../../platform/encryption.ts';
import { cursors, pageOf } from '../../platform/http/pagination.ts';
import { ensure, invalidField, notAnActiveUser, notFound } from '../../platform/http/problems.ts';
import * as store from './store.ts';

// Transfer Box: a licence's secure inbox. An item is addressed to one user, sealed at rest, read by
// that user only, every read recorded, and purged once expired. Contents never reach a log or the
// audit trail: only their names and sizes do.

export const MAX_CONTENT_BYTES = 10 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export interface Sender {
  kind: 'system' | 'operator' | 'user';
  /** The sending user's id or the operator token's; null for the system or the bootstrap token. */
  id: string | null;
  /** What the recipient sees as `from`. */
  name: string;
}

export interface Delivery {
  licenceId: string;
  recipientUserId: string;
  name: string;
  contentType: string;
  content: Buffer;
  sender: Sender;
}

/** What a user or an operator sends over HTTP: the content in base64, the recipient by id or login. */
export interface Parcel {
  recipient: { id: string } | { login: string };
  name: string;
  contentType?: string;
  content: string;
}

export interface ListQuery {
  limit: number;
  cursor?: string;
}

/** The sealed content opens only for its own row and recipient: a ciphertext moved elsewhere does not. */
export const sealedFor = (item: { licenceId: string; id: string; recipientId: string }) => `transfer-box/${item.licenceId}/${item.id}/${item.recipientId}`;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes base64 content, refusing what is not base64, empty, or over 10 MiB. */
export function decodeContent(base64: string): Buffer {
  ensure(base64.length > 0, invalidField('content', 'required', { en: 'must not be empty', fr: 'ne doit pas être vide' }));
  ensure(base64.length % 4 === 0 && BASE64.test(base64), invalidField('content', 'invalid_format', { en: 'must be base64', fr: 'doit être en base64' }));
  // Checked on the encoded length first, so an oversize body is refused without decoding it.
  const size = (base64.length / 4) * 3 - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);
  ensure(size > 0, invalidField('content', 'required', { en: 'must not be empty', fr: 'ne doit pas être vide' }));
  ensure(size <= MAX_CONTENT_BYTES, invalidField('content', 'too_large', { en: `must be at most ${MAX_CONTENT_BYTES / 1024 / 1024} MiB`, fr: `doit faire au plus ${MAX_CONTENT_BYTES / 1024 / 1024} Mio` }));
  return Buffer.from(base64, 'base64');
}

function page(cursor: string | undefined) {
  const after = cursors.newestFirst.decode(cursor);
  return after as [string, string] | null;
}

const presentItem = (item: store.ItemSummary) => ({
  id: item.id,
  name: item.name,
  from: item.senderName,
  createdAt: item.createdAt.toISOString(),
  expiresAt: item.expiresAt.toISOString(),
  readAt: item.readAt?.toISOString() ?? null,
  size: item.size,
  contentType: item.contentType,
});
export type PresentedItem = ReturnType<typeof presentItem>;

export function createTransferBoxService(ctx: AppContext, dependencies: { sealer: Sealer }) {
  const { sealer } = dependencies;

  /**
   * Puts an item in a user's inbox inside the caller's transaction (e.g. an API account's secret on
   * fulfilment). The recipient must be an active user of the licence. Audited as a send only when an
   * actor is given: a caller with its own audit event need not add one.
   */
  async function deliverInTransaction(tx: Transaction, delivery: Delivery, audit?: AuditActor): Promise<PresentedItem & { recipientId: string }> {
    const recipient = await store.findActiveRecipient(tx, delivery.licenceId, { id: delivery.recipientUserId });
    ensure(recipient !== null, notAnActiveUser('recipientId'));
    return place(tx, delivery, recipient, audit);
  }

  async function place(tx: Executor, delivery: Delivery, recipient: { id: string; login: string }, audit?: AuditActor) {
    const now = ctx.now();
    const item = {
      licenceId: delivery.licenceId,
      id: randomUUID(),
      recipientId: recipient.id,
      name: delivery.name,
      contentType: delivery.contentType,
      size: delivery.content.length,
      senderKind: delivery.sender.kind,
      senderId: delivery.sender.id,
      senderName: delivery.sender.name,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ctx.config.transferBoxDays * DAY_MS),
      readAt: null,
    };
    await store.insertItem(tx, { ...item, content: sealer.seal(delivery.content, sealedFor(item)) });
    if (audit !== undefined) {
      await recordAudit(
        tx,
        audit,
        { licenceId: item.licenceId, action: 'transfer_box.send', target: { kind: 'transfer_box_item', id: item.id, name: item.name }, after: { name: item.name, size: item.size, contentType: item.contentType, recipient: recipient.login, from: item.senderName } },
        now,
      );
    }
    return { ...presentItem(item), recipientId: recipient.id };
  }

  /** A user or operator sends a file over HTTP; the recipient field is named as the client sent it. */
  async function send(licenceId: string, parcel: Parcel, sender: Sender, audit: AuditActor) {
    const content = decodeContent(parcel.content);
    return ctx.transaction(async (tx) => {
      const recipient = await store.findActiveRecipient(tx, licenceId, parcel.recipient);
      const field = 'id' in parcel.recipient ? 'recipientId' : 'recipientLogin';
      ensure(recipient !== null, notAnActiveUser(field));
      return place(tx, { licenceId, recipientUserId: recipient.id, name: parcel.name, contentType: parcel.contentType ?? DEFAULT_CONTENT_TYPE, content, sender }, recipient, audit);
    });
  }

  return {
    deliverInTransaction,

    /** A user sends to another user of their licence; `from` is the sender's full name. */
    async sendAsUser(licenceId: string, userId: string, parcel: Parcel, audit: AuditActor) {
      const names = await store.findUserNames(ctx.db, licenceId, userId);
      ensure(names !== null, notFound('user'));
      return send(licenceId, parcel, { kind: 'user', id: userId, name: `${names.firstName} ${names.lastName}` }, audit);
    },

    /** The vendor sends to a user of a licence; `from` defaults to the operator's name. */
    sendAsOperator(licenceId: string, parcel: Parcel & { from?: string }, operator: { tokenId: string | null; name: string }, audit: AuditActor) {
      return send(licenceId, parcel, { kind: 'operator', id: operator.tokenId, name: parcel.from ?? operator.name }, audit);
    },

    /** My unexpired items, newest first. */
    async inbox(licenceId: string, userId: string, query: ListQuery) {
      const rows = await store.listInbox(ctx.db, licenceId, userId, { now: ctx.now(), after: page(query.cursor), limit: query.limit });
      return pageOf(rows, query.limit, presentItem, (row) => [row.createdAt.toISOString(), row.id]);
    },

    /**
     * Opens an item for its recipient and records the read (first read time, read log, audit event)
     * in one transaction: no content leaves without its record. Anyone else's item, an expired one
     * or an unknown id are the same 404.
     */
    async read(licenceId: string, userId: string, itemId: string, audit: AuditActor) {
      return ctx.transaction(async (tx) => {
        const now = ctx.now();
        const item = await store.findRecipientItem(tx, licenceId, userId, itemId, now);
        ensure(item !== null, notFound('Transfer Box item'));
        const content = sealer.open(item.content, sealedFor(item));
        const reader = await store.findUserNames(tx, licenceId, userId);
        await store.markRead(tx, licenceId, item.id, now);
        await store.insertRead(tx, { licenceId, id: randomUUID(), itemId: item.id, itemName: item.name, recipientId: userId, recipientName: reader?.login ?? audit.name, senderName: item.senderName, readAt: now });
        await recordAudit(tx, audit, { licenceId, action: 'transfer_box.read', target: { kind: 'transfer_box_item', id: item.id, name: item.name }, after: { from: item.senderName, size: item.size } }, now);
        return { name: item.name, contentType: item.contentType, content };
      });
    },

    /** Every read in the licence, newest first: what its admins see. */
    async reads(licenceId: string, query: ListQuery) {
      const rows = await store.listReads(ctx.db, licenceId, { after: page(query.cursor), limit: query.limit });
      return pageOf(
        rows,
        query.limit,
        (row) => ({ itemId: row.itemId, name: row.itemName, recipient: row.recipientName, from: row.senderName, readAt: row.readAt.toISOString() }),
        (row) => [row.readAt.toISOString(), row.id],
      );
    },

    /** Deletes every expired item, content and all; answers how many went. */
    purgeExpired(): Promise<number> {
      return ctx.transaction((tx) => store.deleteExpiredItems(tx, ctx.now()));
    },
  };
}

export type TransferBoxService = ReturnType<typeof createTransferBoxService>;
