import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from '../../platform/db/client.ts';
import { oidcPayloads } from '../../platform/db/schema.ts';

// oidc-provider keeps its artefacts through an adapter; ours keeps them in the database, so a code
// issued by one process is redeemed at another and a restart loses no session or refresh token.
// Clients are the exception: they are not stored here but read from the applications and API
// accounts (see clients.ts), so `Client` lookups go to `findClient`.

export type ClientLookup = (clientId: string) => Promise<AdapterPayload | undefined>;

const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

export function databaseAdapter(db: Database, findClient: ClientLookup, now: () => Date) {
  return class DatabaseAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        model: this.model,
        id,
        payload: payload as Record<string, unknown>,
        grantId: payload.grantId ?? null,
        uid: payload.uid ?? null,
        userCode: payload.userCode ?? null,
        accountId: payload.accountId ?? null,
        expiresAt: expiresIn ? new Date(now().getTime() + expiresIn * 1000) : null,
      };
      await db
        .insert(oidcPayloads)
        .values(row)
        .onConflictDoUpdate({
          target: [oidcPayloads.model, oidcPayloads.id],
          set: { payload: row.payload, grantId: row.grantId, uid: row.uid, userCode: row.userCode, accountId: row.accountId, expiresAt: row.expiresAt },
        });
    }

    private async findWhere(condition: ReturnType<typeof eq>): Promise<AdapterPayload | undefined> {
      const [row] = await db
        .select({ payload: oidcPayloads.payload, consumedAt: oidcPayloads.consumedAt })
        .from(oidcPayloads)
        .where(and(eq(oidcPayloads.model, this.model), condition, or(isNull(oidcPayloads.expiresAt), gt(oidcPayloads.expiresAt, now()))))
        .limit(1);
      if (row === undefined) return undefined;
      // The library reads a consumed artefact (a redeemed code, a rotated refresh token) by this field.
      return { ...row.payload, ...(row.consumedAt === null ? {} : { consumed: epochSeconds(row.consumedAt) }) } as AdapterPayload;
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return findClient(id);
      return this.findWhere(eq(oidcPayloads.id, id));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findWhere(eq(oidcPayloads.userCode, userCode));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findWhere(eq(oidcPayloads.uid, uid));
    }

    /**
     * Marks a code or refresh token used. Only the first caller wins the row, so a code redeemed at
     * two processes at once is consumed once; the library then refuses the other.
     */
    async consume(id: string): Promise<void> {
      await db
        .update(oidcPayloads)
        .set({ consumedAt: now() })
        .where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.id, id), isNull(oidcPayloads.consumedAt)));
    }

    async destroy(id: string): Promise<void> {
      await db.delete(oidcPayloads).where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.id, id)));
    }

    /** Every artefact of a grant goes with it (a reused refresh token, a logout, a revocation). */
    async revokeByGrantId(grantId: string): Promise<void> {
      await db.delete(oidcPayloads).where(eq(oidcPayloads.grantId, grantId));
    }
  };
}
