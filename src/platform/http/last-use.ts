import type { FastifyBaseLogger } from 'fastify';

// When a token (operator, provisioning) was last used, to the minute: enough to tell a token in use
// from a forgotten one, and what the token lists show.

/**
 * Records a token's use at most once a minute: the process remembers its own writes, so a burst of
 * requests makes one write, not one each. The write is awaited, being rare: whoever lists the tokens
 * after a request answered sees its use. A failed write is logged and does not fail the request.
 */
export function createLastUseRecorder(what: string) {
  /** Token id → when this process last wrote its use. */
  const written = new Map<string, number>();
  return async (token: { id: string; lastUsedAt: Date | null }, now: Date, write: () => Promise<unknown>, log: FastifyBaseLogger): Promise<void> => {
    const last = Math.max(token.lastUsedAt?.getTime() ?? 0, written.get(token.id) ?? 0);
    if (now.getTime() - last < 60_000) return;
    written.set(token.id, now.getTime());
    await write().catch((error: unknown) => log.warn({ err: error }, `${what} use not recorded`));
  };
}
