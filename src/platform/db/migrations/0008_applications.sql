-- The platform's applications that sign their users in through Gatehouse (issue 11). Not a tenant
-- table: an application serves every licence. The client secret is stored as its SHA-256, shown once.
CREATE TABLE applications (
  id uuid PRIMARY KEY,
  client_id text NOT NULL UNIQUE,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('web', 'spa', 'native', 'service')),
  redirect_uris text[] NOT NULL DEFAULT '{}',
  post_logout_redirect_uris text[] NOT NULL DEFAULT '{}',
  backchannel_logout_uri text,
  application text,
  scopes text[] NOT NULL DEFAULT '{}',
  secret_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  secret_rotated_at timestamptz,
  -- Confidential clients (web, service) hold a secret; public ones (spa, native) never do.
  CHECK ((kind IN ('web', 'service')) = (secret_hash IS NOT NULL))
);

-- Operator tokens get scopes: 'operator' is everything (what every existing token keeps); a token
-- limited to 'decisions:read' or 'users:read' reaches only the routes that declare that scope.
ALTER TABLE operator_tokens ADD COLUMN scopes text[] NOT NULL DEFAULT '{operator}';
