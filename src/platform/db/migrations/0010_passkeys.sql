-- Passkeys (WebAuthn): a user's own credentials, signed in with instead of a password and a code.

-- One row per credential. The public key is the COSE key the authenticator gave at enrolment; the
-- counter and the backup flags are what it reported last. A person signing in types the licence, so
-- the credential id need only be unique inside one licence.
CREATE TABLE passkeys (
  licence_id    uuid NOT NULL,
  id            uuid NOT NULL,
  user_id       uuid NOT NULL,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  credential_id text NOT NULL,
  public_key    bytea NOT NULL,
  counter       bigint NOT NULL DEFAULT 0 CHECK (counter >= 0),
  transports    text[] NOT NULL DEFAULT '{}',
  device_type   text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  backed_up     boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  PRIMARY KEY (licence_id, id),
  FOREIGN KEY (licence_id, user_id) REFERENCES users (licence_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX passkeys_credential_idx ON passkeys (licence_id, credential_id);
CREATE INDEX passkeys_user_idx ON passkeys (licence_id, user_id);

-- A ceremony under way: the random challenge the browser signs, single use, a few minutes long.
-- An enrolment belongs to the signed-in user; a sign-in to nobody yet (the login, when one was
-- typed, binds it to that account).
CREATE TABLE passkey_challenges (
  licence_id uuid NOT NULL REFERENCES licences (id) ON DELETE CASCADE,
  id         uuid NOT NULL,
  purpose    text NOT NULL CHECK (purpose IN ('registration', 'authentication')),
  user_id    uuid,
  login      text,
  challenge  text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, id),
  FOREIGN KEY (licence_id, user_id) REFERENCES users (licence_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX passkey_challenges_challenge_idx ON passkey_challenges (licence_id, challenge);
CREATE INDEX passkey_challenges_expires_idx ON passkey_challenges (expires_at);

-- The licence's policy: passkeys allowed (the default), and whether its administrators must hold a
-- passkey or an authenticator app.
ALTER TABLE licences
  ADD COLUMN passkeys_allowed boolean NOT NULL DEFAULT true,
  ADD COLUMN passkey_or_authenticator_required_for_admins boolean NOT NULL DEFAULT false;

-- A session opened by an administrator who must still enrol a passkey or an authenticator app: it
-- serves only that enrolment until they do.
ALTER TABLE sessions ADD COLUMN second_factor_enrolment_required boolean NOT NULL DEFAULT false;
