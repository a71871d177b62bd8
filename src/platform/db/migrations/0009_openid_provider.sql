-- The OpenID Provider's state: authorization codes, sessions, grants, refresh tokens, interactions
-- and the rest of what oidc-provider keeps, one row per artefact, so any process can answer any step
-- of a flow and nothing is lost on restart. The payload is the library's own; the columns beside it
-- are what it looks artefacts up by, and what Gatehouse revokes by (every artefact of a user, a grant).
CREATE TABLE oidc_payloads (
  model        text NOT NULL,
  id           text NOT NULL,
  payload      jsonb NOT NULL,
  grant_id     text,
  uid          text,
  user_code    text,
  account_id   text,
  expires_at   timestamptz,
  consumed_at  timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_payloads_grant ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_payloads_uid ON oidc_payloads (uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_payloads_user_code ON oidc_payloads (user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_payloads_account ON oidc_payloads (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX oidc_payloads_expiry ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL;

-- Keys that sign ID tokens, JWT access tokens and logout tokens. The private key is sealed with
-- GATEHOUSE_SECRET_KEY like every other secret at rest. The newest key signs; a retired key stays
-- published in the JWKS until every token it signed has expired, then it is deleted.
CREATE TABLE signing_keys (
  kid          text PRIMARY KEY,
  alg          text NOT NULL,
  private_jwk  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  retired_at   timestamptz
);

-- A token names the user by id alone (the OpenID `sub`): finding the user from it needs this index.
CREATE INDEX users_by_id ON users (id);

-- Back-channel logout notices to applications go out through the outbox, retried like e-mails.
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_channel_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_channel_check CHECK (channel IN ('email', 'sms', 'backchannel-logout'));
