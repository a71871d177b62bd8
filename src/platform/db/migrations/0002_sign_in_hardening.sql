-- Sign-in hardening: failed-attempt counters shared by every process, second-factor challenges,
-- and authenticator-app (TOTP) enrolments.

-- Counters of failed attempts (sign-in per account and per client IP, and any later endpoint that
-- guesses can reach), in the database so every server process sees the same ones. A key is a scope
-- and the SHA-256 of what it counts: the login field sometimes receives a password typed in the
-- wrong box, and it must not be kept readable here.
CREATE TABLE throttles (
  key          text PRIMARY KEY,
  scope        text NOT NULL,
  failures     integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
  locked_until timestamptz,
  updated_at   timestamptz NOT NULL,
  -- When the row stops meaning anything (lock over, failures forgotten): swept after that.
  expires_at   timestamptz NOT NULL
);
CREATE INDEX throttles_expires_idx ON throttles (expires_at);

-- A password accepted, waiting for the second factor. The client holds a random challenge token,
-- stored hashed; the SMS code is stored as an HMAC keyed by that token, so neither the table nor a
-- backup of it gives a usable code.
CREATE TABLE sign_in_challenges (
  licence_id          uuid NOT NULL,
  id                  uuid NOT NULL,
  user_id             uuid NOT NULL,
  token_hash          text NOT NULL UNIQUE,
  methods             text[] NOT NULL,
  sms_code_hash       text,
  sms_code_expires_at timestamptz,
  sms_sent_count      integer NOT NULL DEFAULT 0,
  sms_sent_at         timestamptz,
  attempts            integer NOT NULL DEFAULT 0,
  expires_at          timestamptz NOT NULL,
  used_at             timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, id),
  FOREIGN KEY (licence_id, user_id) REFERENCES users (licence_id, id) ON DELETE CASCADE
);
CREATE INDEX sign_in_challenges_user_idx ON sign_in_challenges (licence_id, user_id);

-- A user's authenticator app: pending until a first code confirms it. The secret is encrypted with
-- GATEHOUSE_SECRET_KEY; the last step used makes every code single use.
CREATE TABLE user_totp (
  licence_id     uuid NOT NULL,
  user_id        uuid NOT NULL,
  secret         text NOT NULL,
  confirmed_at   timestamptz,
  last_used_step bigint,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, user_id),
  FOREIGN KEY (licence_id, user_id) REFERENCES users (licence_id, id) ON DELETE CASCADE
);
