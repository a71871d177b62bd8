-- API accounts: machine accounts for the public API, created by operators on a licence admin's
-- request, with OAuth2 client-credential tokens.

CREATE TABLE api_account_requests (
  licence_id             uuid NOT NULL REFERENCES licences (id) ON DELETE CASCADE,
  id                     uuid NOT NULL,
  login                  text NOT NULL,
  holder_first_name      text NOT NULL,
  holder_last_name       text NOT NULL,
  holder_email           text NOT NULL,
  holder_mobile          text,
  warnings               text[] NOT NULL DEFAULT '{}',
  status                 text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'fulfilled', 'rejected')),
  requested_by_id        uuid NOT NULL,
  requested_by_login     text NOT NULL,
  requested_by_email     text NOT NULL,
  requested_by_language  text NOT NULL,
  reason                 text,
  decided_at             timestamptz,
  decided_by             text,
  api_account_id         uuid,
  created_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, id)
);
-- A wished login is held by a pending request as it is by an account.
CREATE UNIQUE INDEX api_account_requests_pending_login_key ON api_account_requests (licence_id, lower(login)) WHERE status = 'pending';
CREATE INDEX api_account_requests_status_idx ON api_account_requests (status, created_at);

CREATE TABLE api_accounts (
  licence_id        uuid NOT NULL REFERENCES licences (id) ON DELETE CASCADE,
  id                uuid NOT NULL,
  login             text NOT NULL,
  holder_first_name text NOT NULL,
  holder_last_name  text NOT NULL,
  holder_email      text NOT NULL,
  holder_mobile     text,
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deactivated')),
  configuration_id  uuid NOT NULL,
  entity_group_id   uuid NOT NULL,
  -- The secret is 256 random bits: a plain SHA-256 keeps it safe and lets token grants stay fast.
  secret_hash       text NOT NULL,
  request_id        uuid,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, id),
  FOREIGN KEY (licence_id, configuration_id) REFERENCES rights_configurations (licence_id, id),
  FOREIGN KEY (licence_id, entity_group_id) REFERENCES entity_groups (licence_id, id)
);
CREATE UNIQUE INDEX api_accounts_login_key ON api_accounts (licence_id, lower(login));

CREATE TABLE api_tokens (
  licence_id     uuid NOT NULL,
  id             uuid NOT NULL,
  api_account_id uuid NOT NULL,
  token_hash     text NOT NULL UNIQUE,
  expires_at     timestamptz NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, id),
  FOREIGN KEY (licence_id, api_account_id) REFERENCES api_accounts (licence_id, id) ON DELETE CASCADE
);
CREATE INDEX api_tokens_account_idx ON api_tokens (licence_id, api_account_id);
CREATE INDEX api_tokens_expiry_idx ON api_tokens (expires_at);
