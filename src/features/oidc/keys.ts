import { randomBytes, type JsonWebKey } from 'node:crypto';
import { desc, sql } from 'drizzle-orm';
import { generateDetachedKeyPair } from '../../platform/crypto.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { signingKeys } from '../../platform/db/schema.ts';
import type { Sealer } from '../../platform/encryption.ts';
import { RETIRED_KEY_SECONDS } from '../../platform/purge.ts';

export { RETIRED_KEY_SECONDS };

// The keys that sign ID tokens, JWT access tokens and logout tokens. Each rotation adds a pair: an
// RSA key for RS256 (the algorithm every OpenID client must accept for ID tokens) and a P-256 key for
// ES256 (JWT access tokens: signing with it costs a fraction of RSA). The newest pair signs; the
// older ones are published in the JWKS while tokens they signed may still be presented.

const KEY_LOCK = 7_405_012;

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  /** The private JWK with kid, alg and use, as oidc-provider's `jwks` takes it. */
  jwk: JsonWebKey & { kid: string; alg: string; use: 'sig' };
  createdAt: Date;
  retiredAt: Date | null;
}

export const aadOf = (kid: string) => `signing-key:${kid}`;

function newPair(): { kid: string; alg: SigningKey['alg']; jwk: JsonWebKey }[] {
  const rsa = generateDetachedKeyPair('rsa');
  const ec = generateDetachedKeyPair('ec');
  const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const suffix = () => randomBytes(6).toString('base64url');
  return [
    { kid: `rs-${stamp}-${suffix()}`, alg: 'RS256', jwk: rsa.privateKey.export({ format: 'jwk' }) },
    { kid: `es-${stamp}-${suffix()}`, alg: 'ES256', jwk: ec.privateKey.export({ format: 'jwk' }) },
  ];
}

async function insertPair(executor: Executor, sealer: Sealer, at: Date): Promise<void> {
  await executor.insert(signingKeys).values(
    newPair().map((key) => ({ kid: key.kid, alg: key.alg, privateJwk: sealer.sealText(JSON.stringify(key.jwk), aadOf(key.kid)), createdAt: at })),
  );
}

/** The published keys, newest first (oidc-provider signs with the first key of an algorithm). */
export async function loadSigningKeys(db: Database, sealer: Sealer, now: Date): Promise<SigningKey[]> {
  const rows = await db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt), desc(signingKeys.kid));
  return rows
    .filter((row) => row.retiredAt === null || now.getTime() - row.retiredAt.getTime() < RETIRED_KEY_SECONDS * 1000)
    .map((row) => {
      const jwk = JSON.parse(sealer.openText(row.privateJwk, aadOf(row.kid))) as JsonWebKey;
      return { kid: row.kid, alg: row.alg as SigningKey['alg'], jwk: { ...jwk, kid: row.kid, alg: row.alg, use: 'sig' as const }, createdAt: row.createdAt, retiredAt: row.retiredAt };
    });
}

/** On first start, the first pair; several processes starting at once make one. */
export async function ensureSigningKeys(db: Database, sealer: Sealer, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK})`);
    const [current] = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(sql`${signingKeys.retiredAt} IS NULL`).limit(1);
    if (current === undefined) await insertPair(tx, sealer, now);
  });
}

/**
 * `gatehouse signing-key rotate`: a new pair signs from now on; the current ones retire and stay
 * published RETIRED_KEY_SECONDS, so tokens they signed keep verifying until they expire.
 */
export async function rotateSigningKeys(executor: Executor, sealer: Sealer, now: Date): Promise<{ retired: string[]; added: string[] }> {
  await executor.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK})`);
  const retired = await executor.update(signingKeys).set({ retiredAt: now }).where(sql`${signingKeys.retiredAt} IS NULL`).returning({ kid: signingKeys.kid });
  await insertPair(executor, sealer, now);
  const added = await executor.select({ kid: signingKeys.kid }).from(signingKeys).where(sql`${signingKeys.retiredAt} IS NULL`);
  return { retired: retired.map((row) => row.kid), added: added.map((row) => row.kid) };
}
