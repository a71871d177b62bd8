import type { CompiledCatalog } from '../../core/catalog.ts';
import { compileLicenceSnapshot, decideForUserId } from '../../core/decision.ts';
import type { ConfigurationDefinition } from '../../core/rights-configurations.ts';
import type { Executor } from '../../platform/db/client.ts';
import { fieldError, type FieldError } from '../../platform/http/problems.ts';
import * as store from './store.ts';

// Where an API account's secret can go, decided the same way for the request form's preview, the
// operator's list, the fulfilment and every rotation. A holder with a console account is named by
// user id and only by it: e-mails are not unique, so finding the holder by e-mail let someone else
// with the same address receive the secret. The Transfer Box is used only when the holder can open
// it; otherwise the secret goes by SMS to the holder's mobile.

/** What GET /api/v1/transfer-box requires: the holder must pass the very check that route makes. */
export const TRANSFER_BOX_READ = 'transfer-box.inbox.read';

export type Delivery = 'transfer-box' | 'sms';

/** A holder as a request or an account records it: a console user's id, or an outside person's mobile. */
export interface HolderRecord {
  userId: string | null;
  mobile: string | null;
}

/**
 * How a holder's secret goes now, or why it cannot; `language` is the holder's own when they have a
 * console account, null for an outside holder (the caller then writes in the requester's language).
 */
export type Route =
  | { delivery: 'transfer-box'; userId: string; language: string }
  | { delivery: 'sms'; mobile: string; language: string | null }
  | { delivery: null; error: FieldError };

const noMobile = (why: string) => fieldError('holder.mobile', 'required_for_sms_delivery', `is required: ${why}, so the secret goes by SMS`);

/** The routes of several holders of one licence, in order; reads the holders' current rights in `executor`. */
export async function routesOf(executor: Executor, catalog: CompiledCatalog, licenceId: string, holders: readonly HolderRecord[]): Promise<Route[]> {
  const ids = [...new Set(holders.flatMap((holder) => (holder.userId === null ? [] : [holder.userId])))];
  const users = await store.findHolderUsers(executor, licenceId, ids);
  const byId = new Map(users.map((user) => [user.id, user]));
  const openers = users.length === 0 ? new Set<string>() : await transferBoxOpeners(executor, catalog, licenceId, users);
  return holders.map((holder): Route => {
    if (holder.userId === null) {
      return holder.mobile ? { delivery: 'sms', mobile: holder.mobile, language: null } : { delivery: null, error: noMobile('the holder has no console account') };
    }
    const user = byId.get(holder.userId);
    // A holder who left (deactivated or deleted) is not sent a secret, not even to a mobile on file.
    if (user === undefined || user.status !== 'active' || user.protected) {
      return { delivery: null, error: fieldError('holder.userId', 'not_found', 'is not an active user of this licence') };
    }
    if (openers.has(user.id)) return { delivery: 'transfer-box', userId: user.id, language: user.language };
    return user.mobile ? { delivery: 'sms', mobile: user.mobile, language: user.language } : { delivery: null, error: noMobile("the holder's rights configuration cannot open the Transfer Box") };
  });
}

/** The users among `users` whose configuration opens the Transfer Box on the licence's subscribed applications. */
async function transferBoxOpeners(executor: Executor, catalog: CompiledCatalog, licenceId: string, users: readonly store.HolderUserRow[]): Promise<Set<string>> {
  const configurations = new Map<string, ConfigurationDefinition>();
  for (const { configurationId, configuration } of users) {
    configurations.set(configurationId, configuration.kind === 'custom' ? { kind: 'custom', steps: configuration.steps } : { kind: configuration.kind, key: configuration.key });
  }
  // The decision engine over just these users, read in the caller's transaction: no cache can be stale.
  const snapshot = compileLicenceSnapshot(catalog, {
    licenceId,
    applications: await store.licenceApplications(executor, licenceId),
    configurations: [...configurations].map(([id, definition]) => ({ id, definition })),
    entities: [],
    entityGroups: [],
    users: users.map(({ id, login, status, configurationId, entityGroupId }) => ({ id, login, status, configurationId, entityGroupId })),
  });
  return new Set(users.filter((user) => decideForUserId(snapshot, user.id, TRANSFER_BOX_READ).allowed).map((user) => user.id));
}
