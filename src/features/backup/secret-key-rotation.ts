import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/client.ts';
import { signingKeys, transferBoxItems, userTotp } from '../../platform/db/schema.ts';
import { UnsealError, type Sealer } from '../../platform/encryption.ts';
import { ownerOf } from '../auth/authenticator.ts';
import { aadOf } from '../oidc/keys.ts';
import { sealedFor } from '../transfer-box/service.ts';

// `gatehouse secret-key rotate`: every sealed value is opened with the key ring and sealed again
// under the current key. It walks each table by primary key in small batches, each batch in its own
// transaction, and leaves alone what is already under the current key: a run cut short is simply run
// again, and a second run changes nothing. Each update is conditional on the sealed bytes it read,
// so a value a server changed meanwhile is not overwritten with the old secret.

const BATCH = 100;

export interface RotationCount {
  /** Sealed again under the current key by this run. */
  resealed: number;
  /** Already under the current key. */
  current: number;
  /** Opened by no key of the ring: left as they were. */
  unreadable: number;
  /** Changed by someone else between the read and the write: left to that change. */
  changedMeanwhile: number;
}

export type RotationReport = Record<'authenticator secrets' | 'Transfer Box items' | 'signing keys', RotationCount>;

const emptyCount = (): RotationCount => ({ resealed: 0, current: 0, unreadable: 0, changedMeanwhile: 0 });

/** Opens and seals again, or says why not; the callers count. */
function reseal(sealer: Sealer, sealed: Buffer, aad: string): Buffer | null {
  try {
    return sealer.seal(sealer.open(sealed, aad), aad);
  } catch (error) {
    if (error instanceof UnsealError) return null;
    throw error;
  }
}

async function rotateAuthenticatorSecrets(db: Database, sealer: Sealer, count: RotationCount): Promise<void> {
  let after: { licenceId: string; userId: string } | null = null;
  for (;;) {
    const rows: { licenceId: string; userId: string; secret: string }[] = await db
      .select({ licenceId: userTotp.licenceId, userId: userTotp.userId, secret: userTotp.secret })
      .from(userTotp)
      .where(after === null ? undefined : or(gt(userTotp.licenceId, after.licenceId), and(eq(userTotp.licenceId, after.licenceId), gt(userTotp.userId, after.userId))))
      .orderBy(asc(userTotp.licenceId), asc(userTotp.userId))
      .limit(BATCH);
    if (rows.length === 0) return;
    await db.transaction(async (tx) => {
      for (const row of rows) {
        if (sealer.isCurrentText(row.secret)) {
          count.current++;
          continue;
        }
        const resealed = reseal(sealer, Buffer.from(row.secret, 'base64url'), ownerOf(row.licenceId, row.userId));
        if (resealed === null) {
          count.unreadable++;
          continue;
        }
        const updated = await tx
          .update(userTotp)
          .set({ secret: resealed.toString('base64url') })
          .where(and(eq(userTotp.licenceId, row.licenceId), eq(userTotp.userId, row.userId), eq(userTotp.secret, row.secret)))
          .returning({ userId: userTotp.userId });
        if (updated.length === 1) count.resealed++;
        else count.changedMeanwhile++;
      }
    });
    const last = rows[rows.length - 1]!;
    after = { licenceId: last.licenceId, userId: last.userId };
  }
}

async function rotateTransferBoxItems(db: Database, sealer: Sealer, count: RotationCount): Promise<void> {
  // Items hold up to 10 MiB: a page reads only each item's header, then the items to seal one by one.
  let after: { licenceId: string; id: string } | null = null;
  for (;;) {
    const rows: { licenceId: string; id: string; recipientId: string; header: Buffer | Uint8Array }[] = await db
      .select({ licenceId: transferBoxItems.licenceId, id: transferBoxItems.id, recipientId: transferBoxItems.recipientId, header: sql<Buffer | Uint8Array>`substring(${transferBoxItems.content} from 1 for 5)` })
      .from(transferBoxItems)
      .where(after === null ? undefined : or(gt(transferBoxItems.licenceId, after.licenceId), and(eq(transferBoxItems.licenceId, after.licenceId), gt(transferBoxItems.id, after.id))))
      .orderBy(asc(transferBoxItems.licenceId), asc(transferBoxItems.id))
      .limit(BATCH);
    if (rows.length === 0) return;
    for (const row of rows) {
      if (sealer.isCurrent(Buffer.from(row.header))) {
        count.current++;
        continue;
      }
      await db.transaction(async (tx) => {
        const [item] = await tx
          .select({ content: transferBoxItems.content })
          .from(transferBoxItems)
          .where(and(eq(transferBoxItems.licenceId, row.licenceId), eq(transferBoxItems.id, row.id)))
          .for('update');
        // Read or purged since the page was read: nothing left to seal.
        if (item === undefined) return void count.changedMeanwhile++;
        if (sealer.isCurrent(item.content)) return void count.current++;
        const resealed = reseal(sealer, item.content, sealedFor(row));
        if (resealed === null) return void count.unreadable++;
        await tx.update(transferBoxItems).set({ content: resealed }).where(and(eq(transferBoxItems.licenceId, row.licenceId), eq(transferBoxItems.id, row.id)));
        count.resealed++;
      });
    }
    const last = rows[rows.length - 1]!;
    after = { licenceId: last.licenceId, id: last.id };
  }
}

async function rotateSigningKeys(db: Database, sealer: Sealer, count: RotationCount): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const rows: { kid: string; privateJwk: string }[] = await db
      .select({ kid: signingKeys.kid, privateJwk: signingKeys.privateJwk })
      .from(signingKeys)
      .where(after === null ? undefined : gt(signingKeys.kid, after))
      .orderBy(asc(signingKeys.kid))
      .limit(BATCH);
    if (rows.length === 0) return;
    await db.transaction(async (tx) => {
      for (const row of rows) {
        if (sealer.isCurrentText(row.privateJwk)) {
          count.current++;
          continue;
        }
        const resealed = reseal(sealer, Buffer.from(row.privateJwk, 'base64url'), aadOf(row.kid));
        if (resealed === null) {
          count.unreadable++;
          continue;
        }
        const updated = await tx
          .update(signingKeys)
          .set({ privateJwk: resealed.toString('base64url') })
          .where(and(eq(signingKeys.kid, row.kid), eq(signingKeys.privateJwk, row.privateJwk)))
          .returning({ kid: signingKeys.kid });
        if (updated.length === 1) count.resealed++;
        else count.changedMeanwhile++;
      }
    });
    after = rows[rows.length - 1]!.kid;
  }
}

/** Seals every sealed value under the ring's current key; what is already under it is left alone. */
export async function rotateSecretKey(db: Database, sealer: Sealer): Promise<RotationReport> {
  const report: RotationReport = { 'authenticator secrets': emptyCount(), 'Transfer Box items': emptyCount(), 'signing keys': emptyCount() };
  await rotateAuthenticatorSecrets(db, sealer, report['authenticator secrets']);
  await rotateTransferBoxItems(db, sealer, report['Transfer Box items']);
  await rotateSigningKeys(db, sealer, report['signing keys']);
  return report;
}
