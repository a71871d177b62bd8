-- Password renewal (issue 13, section 2): a licence may ask its users for a new password every N
-- months, with a reminder e-mail some days before; API account secrets get their own maximum age.

-- NULL: renewal off (the default). The reminder days also serve the API secrets' reminder.
ALTER TABLE licences ADD COLUMN password_renewal_months integer CHECK (password_renewal_months BETWEEN 1 AND 24);
ALTER TABLE licences ADD COLUMN password_renewal_reminder_days integer NOT NULL DEFAULT 7 CHECK (password_renewal_reminder_days BETWEEN 1 AND 60);
ALTER TABLE licences ADD COLUMN api_secret_max_age_days integer CHECK (api_secret_max_age_days BETWEEN 30 AND 730);

-- When the user last chose their password: the start of its period. NULL while they have none.
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;
-- The reminder of a period is sent once: sent after the password's change means sent for this period.
ALTER TABLE users ADD COLUMN password_reminder_sent_at timestamptz;
-- When a password was set before this migration is unknown: count it from now, so turning renewal on
-- gives every existing user a full period instead of holding them all at their next sign-in.
-- (To the millisecond, as the application writes times: the reminder job compares them exactly.)
UPDATE users SET password_changed_at = date_trunc('milliseconds', now()) WHERE password_hash IS NOT NULL;

-- A session opened with an expired password serves only the change of it.
ALTER TABLE sessions ADD COLUMN password_change_required boolean NOT NULL DEFAULT false;

-- The same for API secrets: when the secret was issued, and whether its expiry was announced.
ALTER TABLE api_accounts ADD COLUMN secret_set_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now());
ALTER TABLE api_accounts ADD COLUMN secret_reminder_sent_at timestamptz;

-- The argon2id hashes of a user's last five passwords (the current one included), never the passwords.
CREATE TABLE password_history (
  licence_id    uuid NOT NULL,
  -- Increasing: orders the passwords even when two are set within the same instant.
  id            bigint GENERATED ALWAYS AS IDENTITY,
  user_id       uuid NOT NULL,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (licence_id, id),
  FOREIGN KEY (licence_id, user_id) REFERENCES users (licence_id, id) ON DELETE CASCADE
);
CREATE INDEX password_history_user_idx ON password_history (licence_id, user_id, id DESC);

-- The reminder job looks for users of licences with renewal on whose period nears its end.
CREATE INDEX users_password_changed_idx ON users (licence_id, password_changed_at) WHERE password_hash IS NOT NULL;
