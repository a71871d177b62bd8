// The shapes of API.md answers, as the console reads them.

export type Language = 'en' | 'fr';
export type Gender = 'female' | 'male' | 'unspecified';
export type ConfigurationKind = 'standard' | 'internal' | 'custom';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ConfigurationRef {
  id: string;
  name: string;
  kind: ConfigurationKind;
}

export interface EntityRef {
  id: string;
  code: string;
  name: string;
}

export interface Account {
  id: string;
  login: string;
  firstName: string;
  lastName: string;
  email: string;
  mobile: string | null;
  gender: Gender | null;
  language: string;
  licence: { code: string; name: string };
  configuration: ConfigurationRef;
  entities: (EntityRef & { isDefault: boolean })[];
  lastLoginAt: string | null;
  /** Whether sign-in asks for a code from the user's authenticator app. */
  totpEnabled: boolean;
}

/** How a sign-in's second factor may be given: a code from the authenticator app, or one sent by SMS. */
export type SecondFactorMethod = 'totp' | 'sms';

export interface SignInAnswer {
  status: 'ok' | 'second_factor_required';
  csrfToken?: string;
  user?: Account;
  challenge?: string;
  methods?: SecondFactorMethod[];
}

/** A started authenticator app enrolment: its secret, shown this once, and the same as an otpauth:// URL. */
export interface TotpEnrolment {
  secret: string;
  otpauthUrl: string;
}

export interface PermissionApplication {
  key: string;
  name: string;
  steps: string[];
}

export interface Permissions {
  applications: PermissionApplication[];
}

export interface User {
  id: string;
  login: string;
  firstName: string;
  lastName: string;
  email: string;
  mobile: string | null;
  gender: Gender | null;
  language: string;
  status: 'active' | 'deactivated';
  configuration: ConfigurationRef;
  entityGroup: { id: string; name: string };
  defaultEntity: EntityRef;
  internal: boolean;
  protected: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Licence {
  code: string;
  name: string;
  seatLimit: number;
  seatsUsed: number;
  twoFactor: boolean;
  applications: string[];
}

export interface RightsConfiguration {
  id: string;
  key: string;
  name: string;
  kind: ConfigurationKind;
  assignable: boolean;
  applications: string[];
  steps?: string[];
}

export interface EntityGroup {
  id: string;
  name: string;
  entities: EntityRef[];
  singleEntity?: boolean;
}

export interface UserAccess {
  login: string;
  at: string;
  ip: string | null;
  userAgent: string | null;
}

export interface SupportAccess {
  at: string;
  ticket: string;
  description: string;
  operator: string;
}

export interface ApiAccountHolder {
  firstName: string;
  lastName: string;
  email: string;
  mobile?: string | null;
}

export interface ApiAccount {
  id: string;
  login: string;
  holder: ApiAccountHolder;
  status: string;
  createdAt: string;
}

export interface ApiAccountRequest {
  id: string;
  login: string;
  holder: ApiAccountHolder;
  status: string;
  createdAt?: string;
  licence?: string | { code: string; name?: string };
  warnings?: string[];
  reason?: string | null;
}

export interface AuditEvent {
  id: string;
  at: string;
  actor: string | { kind?: string; id?: string | null; name?: string | null; login?: string };
  action: string;
  target: string | { kind?: string; id?: string | null; name?: string | null; label?: string; login?: string } | null;
  before: unknown;
  after: unknown;
}

export interface TransferBoxItem {
  id: string;
  name: string;
  from: string;
  createdAt: string;
  expiresAt: string;
  readAt: string | null;
}

export interface OperatorLicence extends Licence {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export interface LocalizedName {
  en: string;
  fr: string;
}

export interface CatalogStep {
  key: string;
  name: LocalizedName;
  tags: string[];
}

export interface CatalogApplication {
  key: string;
  name: LocalizedName;
  tags: string[];
  steps: CatalogStep[];
}

export interface CatalogCategory {
  key: string;
  name: LocalizedName;
  tags: string[];
  applications: CatalogApplication[];
}

export interface Catalog {
  categories: CatalogCategory[];
}
