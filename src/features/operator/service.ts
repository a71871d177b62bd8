import { randomUUID } from 'node:crypto';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { hashToken, randomToken } from '../../platform/crypto.ts';
import type { Database } from '../../platform/db/client.ts';
import { notFound } from '../../platform/http/problems.ts';
import { findOperatorToken, insertOperatorToken, listOperatorTokens, revokeOperatorTokenRow, type OperatorTokenRow } from './store.ts';

/** Who acts on operator tokens from the command line, for the audit trail. */
export const COMMAND_LINE: AuditActor = { kind: 'operator', id: null, name: 'gatehouse command line', ip: null };

/** A new operator token: shown once, stored only as its hash. */
export async function createOperatorToken(db: Database, name: string, actor: AuditActor = COMMAND_LINE): Promise<{ id: string; name: string; token: string }> {
  const token = randomToken('gho_');
  const id = randomUUID();
  await db.transaction(async (tx) => {
    await insertOperatorToken(tx, { id, name, tokenHash: hashToken(token) });
    await recordAudit(tx, actor, { licenceId: null, action: 'operator-token.create', target: { kind: 'operator-token', id, name } }, new Date());
  });
  return { id, name, token };
}

export { listOperatorTokens };

/**
 * Revokes an operator token: it is refused from the next request on, in every process (operator
 * tokens are looked up on each request, never cached). Revoking a revoked token changes nothing.
 */
export async function revokeOperatorToken(ctx: Pick<AppContext, 'db' | 'now'>, id: string, actor: AuditActor): Promise<OperatorTokenRow> {
  return ctx.db.transaction(async (tx) => {
    const now = ctx.now();
    const revoked = await revokeOperatorTokenRow(tx, id, now);
    if (revoked === null) {
      const existing = await findOperatorToken(tx, id);
      if (existing === null) throw notFound('operator token');
      return existing;
    }
    await recordAudit(tx, actor, { licenceId: null, action: 'operator-token.revoke', target: { kind: 'operator-token', id, name: revoked.name }, before: { revoked: false }, after: { revoked: true } }, now);
    return revoked;
  });
}
