import type { AdapterPayload } from 'oidc-provider';
import type { Database } from '../../platform/db/client.ts';
import { findAccountByClientId } from '../api-accounts/store.ts';
import { findApplicationByClientId, type ApplicationRow } from '../applications/store.ts';
import { ForgetLog } from '../../platform/forget-log.ts';

// The provider's clients are the registered applications and the licences' API accounts; they are
// not copied into the provider's storage but read from their own tables, so an edit or a
// deactivation applies at once. A process keeps what it read for a minute at most, and forgets it as
// soon as a change to it is announced (an application edited, an API account deactivated); a read in
// flight when its client was forgotten is not kept (see src/platform/forget-log.ts).
//
// Secrets are stored as their SHA-256 only. oidc-provider compares a presented client secret with
// the client's `client_secret` as it is; so the provider is given the stored hash as the secret, and
// every client authentication is rewritten to present the hash of the secret sent (see routes.ts).
// Comparing hashes of 256-bit random secrets is as strong as comparing the secrets.

export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'phone', 'gatehouse'] as const;
export const SERVICE_SCOPES = ['decisions:read', 'users:read'] as const;

export type ClientRecord =
  | { kind: 'application'; clientId: string; application: ApplicationRow; metadata: AdapterPayload }
  | { kind: 'api-account'; clientId: string; licenceId: string; apiAccountId: string; login: string; secretHash: string; metadata: AdapterPayload };

const CACHE_MS = 60_000;

function applicationMetadata(row: ApplicationRow): AdapterPayload {
  const common = { client_id: row.clientId, client_name: row.name };
  if (row.kind === 'service') {
    return {
      ...common,
      client_secret: row.secretHash ?? undefined,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      scope: row.scopes.join(' '),
    };
  }
  const confidential = row.kind === 'web';
  return {
    ...common,
    ...(confidential ? { client_secret: row.secretHash ?? undefined } : {}),
    application_type: row.kind === 'native' ? 'native' : 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: row.redirectUris,
    post_logout_redirect_uris: row.postLogoutRedirectUris,
    token_endpoint_auth_method: confidential ? 'client_secret_post' : 'none',
    scope: OIDC_SCOPES.join(' '),
    // The operator's choice (RS256 unless ES256 was chosen); userinfo stays a plain JSON answer.
    id_token_signed_response_alg: row.idTokenSigningAlg,
    ...(row.backchannelLogoutUri ? { backchannel_logout_uri: row.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
  };
}

/** Reads a client from its own table: an application, or an active API account. */
export async function loadClient(db: Database, clientId: string): Promise<ClientRecord | null> {
  const slash = clientId.indexOf('/');
  if (slash < 0) {
    const application = await findApplicationByClientId(db, clientId);
    return application === null ? null : { kind: 'application', clientId, application, metadata: applicationMetadata(application) };
  }
  const account = await findAccountByClientId(db, clientId.slice(0, slash), clientId.slice(slash + 1));
  if (account === null || account.status !== 'active') return null;
  return {
    kind: 'api-account',
    clientId,
    licenceId: account.licenceId,
    apiAccountId: account.id,
    login: account.login,
    secretHash: account.secretHash,
    metadata: {
      client_id: clientId,
      client_secret: account.secretHash,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
  };
}

export class ClientDirectory {
  private readonly cache = new Map<string, { record: ClientRecord; until: number }>();
  private readonly forgotten = new ForgetLog<ClientRecord>();

  constructor(
    db: Database,
    private readonly now: () => number = Date.now,
    private readonly load: (clientId: string) => Promise<ClientRecord | null> = (clientId) => loadClient(db, clientId),
  ) {}

  /** The client a client id names: an application's random id, or an API account's `<licence>/<login>`. */
  async find(clientId: string): Promise<ClientRecord | null> {
    if (clientId.length === 0 || clientId.length > 300) return null;
    const cached = this.cache.get(clientId);
    if (cached !== undefined && cached.until > this.now()) return cached.record;
    const reading = this.forgotten.mark();
    const record = await this.load(clientId);
    // Only what exists is kept: a client registered a moment later must be found at once.
    if (record !== null && this.forgotten.keeps(reading, record)) this.cache.set(clientId, { record, until: this.now() + CACHE_MS });
    return record;
  }

  /** The stored hash a presented secret must match, or null for an unknown or public client. */
  async secretHashOf(clientId: string): Promise<string | null> {
    const record = await this.find(clientId);
    if (record === null) return null;
    return record.kind === 'api-account' ? record.secretHash : record.application.secretHash;
  }

  forgetClient(clientId: string): void {
    this.forget((record) => record.clientId === clientId);
  }

  /** An API account changed (deactivated, secret rotated): its entry goes. */
  forgetApiAccount(licenceId: string, apiAccountId: string): void {
    this.forget((record) => record.kind === 'api-account' && record.licenceId === licenceId && record.apiAccountId === apiAccountId);
  }

  forgetLicence(licenceId: string): void {
    this.forget((record) => record.kind === 'api-account' && record.licenceId === licenceId);
  }

  clear(): void {
    this.forgotten.forgot();
    this.cache.clear();
  }

  private forget(covers: (record: ClientRecord) => boolean): void {
    this.forgotten.forgot(covers);
    for (const [clientId, entry] of this.cache) {
      if (covers(entry.record)) this.cache.delete(clientId);
    }
  }
}
