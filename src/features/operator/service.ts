import { randomUUID } from 'node:crypto';
import { recordAudit, type AuditActor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { hashToken, randomToken } from '../../platform/crypto.ts';
import type { Database } from '../../platform/db/client.ts';
import type { OperatorScope } from '../../platform/http/actor.ts';
import { ensure, invalidField, notFound } from '../../platform/http/problems.ts';
import { findOperatorToken, insertOperatorToken, listOperatorTokens, revokeOperatorTokenRow, type OperatorTokenRow } from './store.ts';

/** Who acts on operator tokens from the command line, for the audit trail. */
export const COMMAND_LINE: AuditActor = { kind: 'operator', id: null, name: 'gatehouse command line', ip: null };

/**
 * A new operator token: shown once, stored only as its hash. Its scopes say what it reaches: 'operator'
 * (the default) every operator route, 'decisions:read' or 'users:read' only the routes declaring them.
 */
export async function createOperatorToken(
  db: Database,
  name: string,
  actor: AuditActor = COMMAND_LINE,
  requestedScopes: readonly OperatorScope[] = ['operator'],
): Promise<{ id: string; name: string; token: string; scopes: OperatorScope[] }> {
  const token = randomToken('gho_');
  const id = randomUUID();
  const scopes = [...new Set(requestedScopes)];
  ensure(scopes.length > 0, invalidField('scopes', 'required', { en: 'needs at least one scope', fr: 'demande au moins une portée' }));
  await db.transaction(async (tx) => {
    await insertOperatorToken(tx, { id, name, tokenHash: hashToken(token), scopes });
    await recordAudit(tx, actor, { licenceId: null, action: 'operator-token.create', target: { kind: 'operator-token', id, name }, after: { scopes } }, new Date());
  });
  return { id, name, token, scopes };
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
