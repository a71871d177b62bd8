-- Operator console sessions: the operator's token is traded once for an opaque session token kept in an
-- HttpOnly, SameSite=Strict cookie, stored here hashed like console sessions. A session ends with its
-- operator token (revoked or deleted), or with the bootstrap token it came from when that one changes.
CREATE TABLE operator_sessions (
  id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  operator_token_id uuid REFERENCES operator_tokens (id) ON DELETE CASCADE,
  source_hash text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX operator_sessions_expires_at ON operator_sessions (expires_at);
