import type { paths } from './schema';

// Named shapes of the API, derived from the generated schema (web/src/api/schema.d.ts) so that a change
// on the server shows up here as a type error, never as a silent drift. Nothing here is written by hand
// except the names.

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M & keyof paths[P]]>;

/** The JSON body of a path's answer (200 unless said otherwise). */
export type ResponseOf<P extends keyof paths, M extends Method = 'get', S extends number = 200> =
  Operation<P, M> extends { responses: infer R }
    ? S extends keyof R
      ? R[S] extends { content: { 'application/json': infer T } }
        ? T
        : never
      : never
    : never;

/** The JSON body a path takes. */
export type RequestOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer T } } } ? T : never;

type ItemOf<T> = T extends { items: (infer I)[] } ? I : never;
type Element<T> = T extends (infer I)[] ? I : never;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type SignInAnswer = ResponseOf<'/api/v1/auth/login', 'post'>;
export type Account = Extract<SignInAnswer, { status: 'ok' }>['user'];
export type SecondFactorMethod = Element<Extract<SignInAnswer, { status: 'second_factor_required' }>['methods']>;
export type Gender = NonNullable<Account['gender']>;
export type Language = 'en' | 'fr';
export type ConfigurationRef = Account['configuration'];
export type ConfigurationKind = ConfigurationRef['kind'];
export type TotpEnrolment = ResponseOf<'/api/v1/me/totp', 'post'>;
export type Permissions = ResponseOf<'/api/v1/me/permissions'>;
export type PermissionApplication = Element<Permissions['applications']>;

export type User = ResponseOf<'/api/v1/users/{id}'>;
export type UserInput = RequestOf<'/api/v1/users', 'post'>;
export type UserChanges = RequestOf<'/api/v1/users/{id}', 'patch'>;
export type EntityRef = User['defaultEntity'];
export type Licence = ResponseOf<'/api/v1/licence'>;
export type RightsConfiguration = Element<ResponseOf<'/api/v1/rights-configurations'>>;
export type EntityGroup = Element<ResponseOf<'/api/v1/entity-groups'>>;

export type UserAccess = ItemOf<ResponseOf<'/api/v1/licence-accesses/users'>>;
export type SupportAccess = ItemOf<ResponseOf<'/api/v1/licence-accesses/support'>>;
export type AuditEvent = ItemOf<ResponseOf<'/api/v1/audit-events'>>;
export type TransferBoxItem = ItemOf<ResponseOf<'/api/v1/transfer-box'>>;
export type ApiAccount = ItemOf<ResponseOf<'/api/v1/api-accounts'>>;
export type ApiAccountRequest = ItemOf<ResponseOf<'/api/v1/api-account-requests'>>;
export type OperatorApiAccountRequest = ItemOf<ResponseOf<'/operator/v1/api-account-requests'>>;
export type ApiAccountHolder = ApiAccount['holder'];

export type OperatorLicence = ResponseOf<'/operator/v1/licences/{code}'>;
export type OperatorToken = ItemOf<ResponseOf<'/operator/v1/operator-tokens'>>;
export type Catalog = ResponseOf<'/operator/v1/catalog'>;
export type CatalogCategory = Element<Catalog['categories']>;
export type CatalogApplication = Element<CatalogCategory['applications']>;
export type CatalogStep = Element<CatalogApplication['steps']>;
export type LocalizedName = CatalogCategory['name'];
