import { sql, type SQL } from 'drizzle-orm';
import type { Adapter, AdapterPayload, KoaContextWithOIDC } from 'oidc-provider';
import type { Database } from '../../platform/db/client.ts';
import { PreparedStatement, value } from '../../platform/db/prepared.ts';
import { personJson, type Person } from './accounts.ts';

// oidc-provider keeps its artefacts through an adapter; ours keeps them in the database, so a code
// issued by one process is redeemed at another and a restart loses no session or refresh token.
// Clients are the exception: they are not stored here but read from the applications and API
// accounts (see clients.ts), so `Client` lookups go to `findClient`.
//
// The adapter interface reads one artefact per call. A code exchange would make six round trips
// (the code, its session, its grant, the person, the code consumed, the refresh token saved): one
// statement now claims the code and reads the other three with it, and keeps them for the rest of
// the same request (see `exchangeOf`): each round trip costs the process more than the SQL costs the
// database (bench/oidc). Every statement here is prepared once per connection.

export type ClientLookup = (clientId: string) => Promise<AdapterPayload | undefined>;

/** What one code exchange read and claimed, kept on its request. */
interface Exchange {
  codeId: string;
  /** When this request claimed the code (null: it was consumed already, by another or earlier). */
  claimedAt: Date | null;
  /** The library consumed the code itself: the claim stands. */
  confirmed: boolean;
  grant: { id: string; payload: AdapterPayload | undefined } | null;
  session: { uid: string; payload: AdapterPayload | undefined } | null;
  person: { id: string; value: Person | null } | null;
}

const EXCHANGE = Symbol('gatehouse.exchange');
type ExchangeContext = KoaContextWithOIDC & { [EXCHANGE]?: Exchange };

const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

type Row = { payload: AdapterPayload; consumed_at: Date | string | null };
const asDate = (value: Date | string | null) => (value === null ? null : value instanceof Date ? value : new Date(value));

/** A stored artefact as the library reads it: a consumed one (redeemed code, rotated refresh token) says so. */
function artefact(row: Row | undefined): AdapterPayload | undefined {
  if (row === undefined) return undefined;
  const consumedAt = asDate(row.consumed_at);
  return consumedAt === null ? row.payload : { ...row.payload, consumed: epochSeconds(consumedAt) };
}

const alive = (alias: SQL, at: unknown) => sql`(${alias}.expires_at IS NULL OR ${alias}.expires_at > ${at})`;

/**
 * A code at the token endpoint, claimed (consumed) if nobody had, with its grant, its session and its
 * person (see `claimCode`).
 */
const claimStatement = new PreparedStatement<{ id: string; at: Date }>(sql`
  WITH claimed AS (
    UPDATE oidc_payloads SET consumed_at = ${value('at')}
    WHERE model = 'AuthorizationCode' AND id = ${value('id')} AND consumed_at IS NULL AND ${alive(sql`oidc_payloads`, value('at'))}
    RETURNING payload, grant_id, account_id
  ), code AS (
    SELECT payload, grant_id, account_id, true AS claimed, NULL::timestamptz AS consumed_at FROM claimed
    UNION ALL
    SELECT payload, grant_id, account_id, false, coalesce(consumed_at, ${value('at')}) FROM oidc_payloads c
    WHERE model = 'AuthorizationCode' AND id = ${value('id')} AND ${alive(sql`c`, value('at'))} AND NOT EXISTS (SELECT 1 FROM claimed)
  )
  SELECT code.payload, code.claimed, code.consumed_at, code.grant_id, code.account_id,
    (SELECT g.payload FROM oidc_payloads g WHERE g.model = 'Grant' AND g.id = code.grant_id AND ${alive(sql`g`, value('at'))}) AS grant,
    (SELECT s.payload FROM oidc_payloads s WHERE s.model = 'Session' AND s.uid = code.payload->>'sessionUid' AND ${alive(sql`s`, value('at'))} LIMIT 1) AS session,
    ${personJson(sql`code.account_id::uuid`)} AS person
  FROM code`);

/** An artefact saved, or saved again (the library upserts: a session touched, a grant topped up). */
const upsertStatement = new PreparedStatement<{
  model: string;
  id: string;
  payload: string;
  grantId: unknown;
  uid: unknown;
  userCode: unknown;
  accountId: unknown;
  expiresAt: Date | null;
}>(sql`
  INSERT INTO oidc_payloads (model, id, payload, grant_id, uid, user_code, account_id, expires_at)
  VALUES (${value('model')}, ${value('id')}, ${value('payload')}::jsonb, ${value('grantId')}, ${value('uid')}, ${value('userCode')}, ${value('accountId')}, ${value('expiresAt')})
  ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
    user_code = excluded.user_code, account_id = excluded.account_id, expires_at = excluded.expires_at`);

/** An artefact by its id, its uid (sessions) or its user code: one statement per column. */
const findBy = (column: SQL) =>
  new PreparedStatement<{ model: string; key: string; at: Date }, Row>(
    sql`SELECT payload, consumed_at FROM oidc_payloads p WHERE model = ${value('model')} AND ${column} = ${value('key')} AND ${alive(sql`p`, value('at'))} LIMIT 1`,
  );
const findStatements = { id: findBy(sql`id`), uid: findBy(sql`uid`), userCode: findBy(sql`user_code`) };
const consumeStatement = new PreparedStatement<{ model: string; id: string; at: Date }>(
  sql`UPDATE oidc_payloads SET consumed_at = ${value('at')} WHERE model = ${value('model')} AND id = ${value('id')} AND consumed_at IS NULL RETURNING id`,
);
const revokeGrantOfStatement = new PreparedStatement<{ model: string; id: string }>(
  sql`DELETE FROM oidc_payloads WHERE grant_id = (SELECT grant_id FROM oidc_payloads WHERE model = ${value('model')} AND id = ${value('id')})`,
);
const releaseClaimStatement = new PreparedStatement<{ id: string; claimedAt: Date }>(
  sql`UPDATE oidc_payloads SET consumed_at = NULL WHERE model = 'AuthorizationCode' AND id = ${value('id')} AND consumed_at = ${value('claimedAt')}`,
);
const destroyStatement = new PreparedStatement<{ model: string; id: string }>(sql`DELETE FROM oidc_payloads WHERE model = ${value('model')} AND id = ${value('id')}`);
const revokeGrantStatement = new PreparedStatement<{ grantId: string }>(sql`DELETE FROM oidc_payloads WHERE grant_id = ${value('grantId')}`);

export interface AdapterOptions {
  findClient: ClientLookup;
  now: () => Date;
  /** The provider's request in progress, if any (oidc-provider keeps it in an AsyncLocalStorage). */
  currentRequest: () => KoaContextWithOIDC | undefined;
  /** The library's `invalid_grant` error, for a refresh token another request used first. */
  invalidGrant: (description: string) => Error;
}

export function databaseAdapter(db: Database, { findClient, now, currentRequest, invalidGrant }: AdapterOptions) {
  const exchangeOf = (): { kctx: ExchangeContext; exchange: Exchange | undefined } | null => {
    const kctx = currentRequest() as ExchangeContext | undefined;
    return kctx === undefined ? null : { kctx, exchange: kctx[EXCHANGE] };
  };

  /**
   * A code at the token endpoint, in one statement: claimed (consumed) at once if nobody had, with
   * its grant, its session and its person. Only the first of two requests redeeming the same code at
   * once claims it: the other reads it consumed, and the library revokes the grant as the
   * specification asks. A claim the library does not confirm (a wrong verifier, redirect URI or
   * client) is taken back when the request ends (`releaseUnconfirmedClaim`).
   */
  const claimCode = async (kctx: ExchangeContext, id: string): Promise<AdapterPayload | undefined> => {
    const at = now();
    const rows = await claimStatement.run(db, { id, at });
    type ClaimRow = Row & { claimed: boolean; grant_id: string | null; account_id: string | null; grant: AdapterPayload | null; session: AdapterPayload | null; person: Person | null };
    const [row] = rows as ClaimRow[];
    if (row === undefined) return undefined;
    const sessionUid = typeof row.payload.sessionUid === 'string' ? row.payload.sessionUid : null;
    kctx[EXCHANGE] = {
      codeId: id,
      claimedAt: row.claimed ? at : null,
      confirmed: false,
      grant: row.grant_id === null ? null : { id: row.grant_id, payload: row.grant ?? undefined },
      session: sessionUid === null ? null : { uid: sessionUid, payload: row.session ?? undefined },
      person: row.account_id === null ? null : { id: row.account_id, value: row.person },
    };
    return artefact(row);
  };

  return class DatabaseAdapter implements Adapter {
    constructor(private readonly model: string) {}

    /** The person of the code being exchanged in this request, read with it (or undefined: not read). */
    static prefetchedPerson(userId: string): Person | null | undefined {
      const exchange = exchangeOf()?.exchange;
      return exchange?.person?.id === userId ? exchange.person.value : undefined;
    }

    /** After the request: a code this request claimed but the library did not redeem is redeemable again. */
    static async releaseUnconfirmedClaim(kctx: object): Promise<void> {
      const exchange = (kctx as ExchangeContext)[EXCHANGE];
      if (exchange === undefined || exchange.claimedAt === null || exchange.confirmed) return;
      await releaseClaimStatement.run(db, { id: exchange.codeId, claimedAt: exchange.claimedAt });
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? new Date(now().getTime() + expiresIn * 1000) : null;
      await upsertStatement.run(db, {
        model: this.model,
        id,
        payload: JSON.stringify(payload),
        grantId: payload.grantId ?? null,
        uid: payload.uid ?? null,
        userCode: payload.userCode ?? null,
        accountId: payload.accountId ?? null,
        expiresAt,
      });
    }

    private async findWhere(column: keyof typeof findStatements, key: string): Promise<AdapterPayload | undefined> {
      const [row] = await findStatements[column].run(db, { model: this.model, key, at: now() });
      return artefact(row);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return findClient(id);
      const request = exchangeOf();
      if (request !== null) {
        const { kctx, exchange } = request;
        if (this.model === 'AuthorizationCode' && exchange === undefined && kctx.oidc?.route === 'token') return claimCode(kctx, id);
        if (this.model === 'Grant' && exchange?.grant?.id === id) return exchange.grant.payload;
      }
      return this.findWhere('id', id);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('userCode', userCode);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const exchange = exchangeOf()?.exchange;
      if (this.model === 'Session' && exchange?.session?.uid === uid) return exchange.session.payload;
      return this.findWhere('uid', uid);
    }

    /**
     * Marks a code or refresh token used. Only the first caller wins the row: of two requests using
     * one refresh token at once (at two processes, say), the second is a reuse, and is answered as
     * the library answers one: the grant is revoked and the request refused. A code at the token
     * endpoint was claimed when it was read (see `claimCode`).
     */
    async consume(id: string): Promise<void> {
      const exchange = exchangeOf()?.exchange;
      if (this.model === 'AuthorizationCode' && exchange?.codeId === id && exchange.claimedAt !== null) {
        exchange.confirmed = true;
        return;
      }
      if ((await consumeStatement.run(db, { model: this.model, id, at: now() })).length > 0) return;
      await revokeGrantOfStatement.run(db, { model: this.model, id });
      throw invalidGrant(`${this.model === 'RefreshToken' ? 'refresh token' : 'authorization code'} already consumed`);
    }

    async destroy(id: string): Promise<void> {
      await destroyStatement.run(db, { model: this.model, id });
    }

    /** Every artefact of a grant goes with it (a reused refresh token, a logout, a revocation). */
    async revokeByGrantId(grantId: string): Promise<void> {
      await revokeGrantStatement.run(db, { grantId });
    }
  };
}
