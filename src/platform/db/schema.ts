import { bigint, boolean, customType, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uuid } from 'drizzle-orm/pg-core';

// The tables as Drizzle sees them, for typed queries. The SQL migrations in ./migrations are the
// source of truth for constraints and indexes; keep both in step (schema.test.ts checks the columns).

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const catalogReleases = pgTable('catalog_releases', {
  id: serial('id').primaryKey(),
  catalog: jsonb('catalog').notNull(),
  releasedAt: timestamp('released_at', { withTimezone: true }).notNull().defaultNow(),
});

export const licences = pgTable('licences', {
  id: uuid('id').primaryKey(),
  code: text('code').notNull(),
  name: text('name').notNull(),
  seatLimit: integer('seat_limit').notNull(),
  twoFactor: boolean('two_factor').notNull().default(false),
  // Passkey policy (0010_passkeys.sql).
  passkeysAllowed: boolean('passkeys_allowed').notNull().default(true),
  passkeyOrAuthenticatorRequiredForAdmins: boolean('passkey_or_authenticator_required_for_admins').notNull().default(false),
  applications: text('applications').array().notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  // Password renewal (0011_password_renewal.sql): null months is off.
  passwordRenewalMonths: integer('password_renewal_months'),
  passwordRenewalReminderDays: integer('password_renewal_reminder_days').notNull().default(7),
  apiSecretMaxAgeDays: integer('api_secret_max_age_days'),
});

export const entities = pgTable(
  'entities',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const entityGroups = pgTable(
  'entity_groups',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    entityId: uuid('entity_id'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const entityGroupMembers = pgTable(
  'entity_group_members',
  {
    licenceId: uuid('licence_id').notNull(),
    entityGroupId: uuid('entity_group_id').notNull(),
    entityId: uuid('entity_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.entityGroupId, t.entityId] })],
);

export const rightsConfigurations = pgTable(
  'rights_configurations',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    kind: text('kind', { enum: ['standard', 'internal', 'custom'] }).notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    steps: text('steps').array().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const users = pgTable(
  'users',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    login: text('login').notNull(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    email: text('email').notNull(),
    mobile: text('mobile'),
    gender: text('gender', { enum: ['female', 'male', 'unspecified'] }),
    language: text('language').notNull(),
    status: text('status', { enum: ['active', 'deactivated'] }).notNull().default('active'),
    configurationId: uuid('configuration_id').notNull(),
    entityGroupId: uuid('entity_group_id').notNull(),
    defaultEntityId: uuid('default_entity_id').notNull(),
    internal: boolean('internal').notNull().default(false),
    protected: boolean('protected').notNull().default(false),
    passwordHash: text('password_hash'),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // Password renewal (0011_password_renewal.sql)
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
    passwordReminderSentAt: timestamp('password_reminder_sent_at', { withTimezone: true }),
    // SCIM provisioning (0012_provisioning.sql): the identity provider's id, and the ETag counter the database bumps.
    externalId: text('external_id'),
    version: integer('version').notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const sessions = pgTable(
  'sessions',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    userId: uuid('user_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    supportVisitId: uuid('support_visit_id'),
    /** An administrator who must enrol a passkey or an authenticator app first (0010_passkeys.sql). */
    secondFactorEnrolmentRequired: boolean('second_factor_enrolment_required').notNull().default(false),
    /** A user whose password is past its renewal: the session serves only its change (0011_password_renewal.sql). */
    passwordChangeRequired: boolean('password_change_required').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const passwordTokens = pgTable(
  'password_tokens',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    userId: uuid('user_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    purpose: text('purpose', { enum: ['welcome', 'reset'] }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

/**
 * The licence id under which the outbox and the audit trail file the platform's own rows (0013: a
 * distribution column is never null); no licence has it. Read back as no licence (null).
 */
export const PLATFORM_LICENCE_ID = '00000000-0000-0000-0000-000000000000';

export const outbox = pgTable('outbox', {
  id: uuid('id').notNull(),
  licenceId: uuid('licence_id').notNull(),
  channel: text('channel', { enum: ['email', 'sms', 'backchannel-logout'] }).notNull(),
  recipient: text('recipient').notNull(),
  subject: text('subject').notNull().default(''),
  body: text('body').notNull(),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
  sentAt: timestamp('sent_at', { withTimezone: true }),
  failedAt: timestamp('failed_at', { withTimezone: true }),
  lastError: text('last_error'),
  createdAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.licenceId, t.id] })]);

export const operatorTokens = pgTable('operator_tokens', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull(),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  /** 'operator' is every right; 'decisions:read' or 'users:read' reach only the routes declaring them (0008). */
  scopes: text('scopes').array().notNull().default(['operator']),
});

// Sign-in hardening (0002_sign_in_hardening.sql).

export const throttles = pgTable('throttles', {
  key: text('key').primaryKey(),
  scope: text('scope').notNull(),
  failures: integer('failures').notNull().default(0),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

export const signInChallenges = pgTable(
  'sign_in_challenges',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    userId: uuid('user_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    methods: text('methods').array().notNull(),
    smsCodeHash: text('sms_code_hash'),
    smsCodeExpiresAt: timestamp('sms_code_expires_at', { withTimezone: true }),
    smsSentCount: integer('sms_sent_count').notNull().default(0),
    smsSentAt: timestamp('sms_sent_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const userTotp = pgTable(
  'user_totp',
  {
    licenceId: uuid('licence_id').notNull(),
    userId: uuid('user_id').notNull(),
    secret: text('secret').notNull(),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    lastUsedStep: bigint('last_used_step', { mode: 'number' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.userId] })],
);

// Licence accesses and the audit trail (0003): append-only.

export const signInAccesses = pgTable(
  'sign_in_accesses',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    userId: uuid('user_id').notNull(),
    login: text('login').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const supportVisits = pgTable(
  'support_visits',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    ticket: text('ticket').notNull(),
    description: text('description').notNull(),
    operator: text('operator').notNull(),
    operatorTokenId: uuid('operator_token_id'),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const auditEvents = pgTable('audit_events', {
  id: uuid('id').notNull(),
  // PLATFORM_LICENCE_ID for changes to the platform as a whole (0013).
  licenceId: uuid('licence_id').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull(),
  actorKind: text('actor_kind', { enum: ['user', 'operator', 'support'] }).notNull(),
  actorId: uuid('actor_id'),
  actorName: text('actor_name').notNull(),
  action: text('action').notNull(),
  targetKind: text('target_kind').notNull(),
  targetId: text('target_id'),
  targetName: text('target_name'),
  before: jsonb('before'),
  after: jsonb('after'),
  ip: text('ip'),
}, (t) => [primaryKey({ columns: [t.licenceId, t.id] })]);

// API accounts (0004, holders by user id 0006).

export const apiAccountRequests = pgTable(
  'api_account_requests',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    login: text('login').notNull(),
    holderFirstName: text('holder_first_name').notNull(),
    holderLastName: text('holder_last_name').notNull(),
    holderEmail: text('holder_email').notNull(),
    holderMobile: text('holder_mobile'),
    holderUserId: uuid('holder_user_id'),
    warnings: text('warnings').array().notNull(),
    status: text('status', { enum: ['pending', 'fulfilled', 'rejected'] }).notNull().default('pending'),
    requestedById: uuid('requested_by_id').notNull(),
    requestedByLogin: text('requested_by_login').notNull(),
    requestedByEmail: text('requested_by_email').notNull(),
    requestedByLanguage: text('requested_by_language').notNull(),
    reason: text('reason'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: text('decided_by'),
    apiAccountId: uuid('api_account_id'),
    delivery: text('delivery', { enum: ['transfer-box', 'sms'] }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const apiAccounts = pgTable(
  'api_accounts',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    login: text('login').notNull(),
    holderFirstName: text('holder_first_name').notNull(),
    holderLastName: text('holder_last_name').notNull(),
    holderEmail: text('holder_email').notNull(),
    holderMobile: text('holder_mobile'),
    holderUserId: uuid('holder_user_id'),
    status: text('status', { enum: ['active', 'deactivated'] }).notNull().default('active'),
    configurationId: uuid('configuration_id').notNull(),
    entityGroupId: uuid('entity_group_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    requestId: uuid('request_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // Password renewal (0011_password_renewal.sql): the secret's age and its expiry reminder.
    secretSetAt: timestamp('secret_set_at', { withTimezone: true }).notNull().defaultNow(),
    secretReminderSentAt: timestamp('secret_reminder_sent_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    apiAccountId: uuid('api_account_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

// Transfer Box (0005_transfer_box.sql): content is sealed by the application (platform/encryption.ts).

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  // PGlite answers a Uint8Array, node-postgres a Buffer: callers always get a Buffer.
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
});

export const transferBoxItems = pgTable(
  'transfer_box_items',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    recipientId: uuid('recipient_id').notNull(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    senderKind: text('sender_kind', { enum: ['operator', 'user', 'system'] }).notNull(),
    senderId: text('sender_id'),
    senderName: text('sender_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    readAt: timestamp('read_at', { withTimezone: true }),
    content: bytea('content').notNull(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const transferBoxReads = pgTable(
  'transfer_box_reads',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    itemId: uuid('item_id').notNull(),
    itemName: text('item_name').notNull(),
    recipientId: uuid('recipient_id').notNull(),
    recipientName: text('recipient_name').notNull(),
    senderName: text('sender_name').notNull(),
    readAt: timestamp('read_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

// Applications (0008_applications.sql): the platform's applications signing their users in through the
// OpenID Provider. Not a tenant table: an application serves every licence.

export const applications = pgTable('applications', {
  id: uuid('id').primaryKey(),
  clientId: text('client_id').notNull(),
  name: text('name').notNull(),
  kind: text('kind', { enum: ['web', 'spa', 'native', 'service'] }).notNull(),
  redirectUris: text('redirect_uris').array().notNull(),
  postLogoutRedirectUris: text('post_logout_redirect_uris').array().notNull(),
  backchannelLogoutUri: text('backchannel_logout_uri'),
  application: text('application'),
  scopes: text('scopes').array().notNull(),
  secretHash: text('secret_hash'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  secretRotatedAt: timestamp('secret_rotated_at', { withTimezone: true }),
  // 0018_application_id_token_alg.sql
  idTokenSigningAlg: text('id_token_signing_alg', { enum: ['RS256', 'ES256'] }).notNull().default('RS256'),
});

// Passkeys (0010_passkeys.sql): WebAuthn credentials and the ceremonies under way.

export const passkeys = pgTable(
  'passkeys',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    userId: uuid('user_id').notNull(),
    name: text('name').notNull(),
    credentialId: text('credential_id').notNull(),
    publicKey: bytea('public_key').notNull(),
    counter: bigint('counter', { mode: 'number' }).notNull().default(0),
    transports: text('transports').array().notNull().default([]),
    deviceType: text('device_type', { enum: ['singleDevice', 'multiDevice'] }).notNull(),
    backedUp: boolean('backed_up').notNull().default(false),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

export const passkeyChallenges = pgTable(
  'passkey_challenges',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    purpose: text('purpose', { enum: ['registration', 'authentication'] }).notNull(),
    userId: uuid('user_id'),
    login: text('login'),
    challenge: text('challenge').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

// Password renewal (0011_password_renewal.sql): the hashes of a user's last five passwords.

export const passwordHistory = pgTable(
  'password_history',
  {
    licenceId: uuid('licence_id').notNull(),
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
    userId: uuid('user_id').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);

// OpenID Provider (0009_openid_provider.sql): oidc-provider's artefacts, and the keys that sign tokens.

export const oidcPayloads = pgTable(
  'oidc_payloads',
  {
    model: text('model').notNull(),
    id: text('id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    grantId: text('grant_id'),
    uid: text('uid'),
    userCode: text('user_code'),
    accountId: text('account_id'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.model, t.id] })],
);

export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  privateJwk: text('private_jwk').notNull(),
  createdAt: createdAt(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

// SCIM provisioning (0012_provisioning.sql): tokens an identity provider provisions a licence's users with.

export const provisioningTokens = pgTable(
  'provisioning_tokens',
  {
    licenceId: uuid('licence_id').notNull(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    configurationId: uuid('configuration_id').notNull(),
    entityGroupId: uuid('entity_group_id').notNull(),
    createdBy: uuid('created_by').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.licenceId, t.id] })],
);
