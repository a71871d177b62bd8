import type { LicenceFixture, TestApp } from './app.ts';
import { configurationId, unique } from './app.ts';
import type { HttpAnswer, HttpClient } from './http.ts';

// SCIM clients in tests: a provisioning token created by the licence's admin, and requests sent as
// an identity provider sends them (application/scim+json).

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const EXTENSION = 'urn:gatehouse:params:scim:schemas:extension:gatehouse:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export class ScimClient {
  constructor(private readonly http: HttpClient) {}

  request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    return this.http.request<T>(method, `/scim/v2${path}`, body, body === undefined ? headers : { 'content-type': 'application/scim+json', ...headers });
  }
  get = <T = any>(path: string, headers?: Record<string, string>) => this.request<T>('GET', path, undefined, headers);
  post = <T = any>(path: string, body: unknown) => this.request<T>('POST', path, body);
  put = <T = any>(path: string, body: unknown, headers?: Record<string, string>) => this.request<T>('PUT', path, body, headers);
  patch = <T = any>(path: string, operations: unknown[], headers?: Record<string, string>) => this.request<T>('PATCH', path, { schemas: [PATCH_OP], Operations: operations }, headers);
  delete = <T = any>(path: string, headers?: Record<string, string>) => this.request<T>('DELETE', path, undefined, headers);
}

/** The admin creates a provisioning token (defaults: the User configuration, the first group). */
export async function provisioningToken(test: TestApp, fixture: LicenceFixture, options: { name?: string; configurationKey?: string } = {}) {
  const created = await fixture.adminClient.post('/api/v1/provisioning-tokens', {
    name: options.name ?? 'Entra ID',
    configurationId: configurationId(fixture, options.configurationKey ?? 'user'),
    entityGroupId: fixture.groups[0].id,
  });
  if (created.status !== 201) throw new Error(`token creation failed: ${JSON.stringify(created.body)}`);
  return { ...(created.body as { id: string; name: string; token: string }), scim: new ScimClient(test.anonymous().withBearer(created.body.token)) };
}

/** A SCIM User resource as an identity provider sends it. */
export function scimUser(overrides: Record<string, unknown> = {}) {
  const userName = unique('scim');
  return {
    schemas: [USER_SCHEMA],
    userName,
    externalId: `ext-${userName}`,
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
    preferredLanguage: 'en-US',
    active: true,
    ...overrides,
  };
}
