import { and, eq, inArray, isNull } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { hashToken } from '../../platform/crypto.ts';
import type { Executor } from '../../platform/db/client.ts';
import { passwordTokens } from '../../platform/db/schema.ts';
import { licenceToken } from '../../platform/licence-tokens.ts';
import { enqueueMessages } from '../../platform/messaging/outbox.ts';
import { passwordLinkMessage } from './messages.ts';

// Set-password links, for a new account (welcome) and a reset: 256-bit random, stored hashed,
// single use, sent by e-mail through the outbox in the transaction of the change. A user has at most
// one working link: the newest. Every outstanding link is spent when a new one is issued, when the
// password changes, when the e-mail changes (a link sent to a mistyped address must die with it),
// and when the user is deactivated; deleting the user deletes the links with it (ON DELETE CASCADE).
// A link's token starts with its licence's id, where it is looked up (platform/licence-tokens.ts).

export const LINK_LIFETIME_MS = { welcome: 7 * 24 * 3_600_000, reset: 3_600_000 } as const;

export interface LinkRecipient {
  id: string;
  login: string;
  firstName: string;
  email: string;
  language: string;
}

/** Spends every outstanding set-password link of these users, in the caller's transaction. */
export async function spendPasswordLinks(executor: Executor, licenceId: string, userIds: readonly string[], now: Date): Promise<void> {
  for (let i = 0; i < userIds.length; i += 1000) {
    await executor
      .update(passwordTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordTokens.licenceId, licenceId), inArray(passwordTokens.userId, userIds.slice(i, i + 1000)), isNull(passwordTokens.usedAt)));
  }
}

/** Issues a new link to each recipient, spending the links they had. */
export async function sendPasswordLinks(
  executor: Executor,
  input: { licenceId: string; licenceName: string; publicUrl: string; purpose: 'welcome' | 'reset'; now: Date },
  recipients: readonly LinkRecipient[],
): Promise<string[]> {
  if (recipients.length === 0) return [];
  const expiresAt = new Date(input.now.getTime() + LINK_LIFETIME_MS[input.purpose]);
  const issued = recipients.map((recipient) => ({ recipient, token: licenceToken(input.licenceId) }));
  const linkOf = (token: string) => `${input.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
  await spendPasswordLinks(executor, input.licenceId, recipients.map((recipient) => recipient.id), input.now);
  // Inserted in slices: one statement per thousand users keeps a licence-wide reset fast.
  for (let i = 0; i < issued.length; i += 1000) {
    const slice = issued.slice(i, i + 1000);
    await executor.insert(passwordTokens).values(
      slice.map(({ recipient, token }) => ({
        licenceId: input.licenceId,
        id: randomUUID(),
        userId: recipient.id,
        tokenHash: hashToken(token),
        purpose: input.purpose,
        expiresAt,
        createdAt: input.now,
      })),
    );
    await enqueueMessages(
      executor,
      slice.map(({ recipient, token }) => {
        const message = passwordLinkMessage(input.purpose, recipient.language, {
          firstName: recipient.firstName,
          login: recipient.login,
          licenceName: input.licenceName,
          link: linkOf(token),
        });
        return { licenceId: input.licenceId, channel: 'email' as const, to: recipient.email, ...message };
      }),
    );
  }
  return issued.map(({ token }) => linkOf(token));
}
