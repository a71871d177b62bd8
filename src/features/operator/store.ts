import type { Executor } from '../../platform/db/client.ts';
import { operatorTokens } from '../../platform/db/schema.ts';

export async function insertOperatorToken(executor: Executor, row: typeof operatorTokens.$inferInsert): Promise<void> {
  await executor.insert(operatorTokens).values(row);
}
