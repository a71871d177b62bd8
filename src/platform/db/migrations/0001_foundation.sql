-- Gatehouse foundation: licences, their entities and groups, rights configurations, users,
-- sessions, password tokens, the outbox and operator tokens.
-- Every tenant table carries licence_id as the first column of its keys: it is the tenant fence
-- and the distribution column when the data is sharded by licence.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The permission catalog: one row a release, the newest is in force.
CREATE TABLE catalog_releases (
  id          serial PRIMARY KEY,
  catalog     jsonb NOT NULL,
  released_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE licences (
  id           uuid PRIMARY KEY,
  code         text NOT NULL UNIQUE,
  name         text NOT NULL,
  seat_limit   integer NOT NULL CHECK (seat_limit >= 0),
  two_factor   boolean NOT NULL DEFAULT false,
  applications text[] NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE entities (
  licence_id uuid NOT NULL REFERENCES licences (id) ON DELETE CASCADE,
  id         uuid NOT NULL,
  code       text NOT NULL,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, id),
  UNIQUE (licence_id, code)
);

-- Every entity also forms a group of its own (entity_id set), so a single entity can always be granted.
CREATE TABLE entity_groups (
  licence_id uuid NOT NULL REFERENCES licences (id) ON DELETE CASCADE,
  id         uuid NOT NULL,
  name       text NOT NULL,
  entity_id  uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, id),
  UNIQUE (licence_id, name),
  UNIQUE (licence_id, entity_id),
  FOREIGN KEY (licence_id, entity_id) REFERENCES entities (licence_id, id) ON DELETE CASCADE
);

CREATE TABLE entity_group_members (
  licence_id      uuid NOT NULL,
  entity_group_id uuid NOT NULL,
  entity_id       uuid NOT NULL,
  PRIMARY KEY (licence_id, entity_group_id, entity_id),
  FOREIGN KEY (licence_id, entity_group_id) REFERENCES entity_groups (licence_id, id) ON DELETE CASCADE,
  FOREIGN KEY (licence_id, entity_id) REFERENCES entities (licence_id, id) ON DELETE CASCADE
);

-- Standard and internal configurations are named by key and follow the catalog's tags;
-- custom ones hold the steps they were frozen to.
CREATE TABLE rights_configurations (
  licence_id uuid NOT NULL REFERENCES licences (id) ON DELETE CASCADE,
  id         uuid NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('standard', 'internal', 'custom')),
  key        text NOT NULL,
  name       text NOT NULL,
  steps      text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, id),
  UNIQUE (licence_id, key)
);
CREATE UNIQUE INDEX rights_configurations_name_key ON rights_configurations (licence_id, lower(name));

CREATE TABLE users (
  licence_id        uuid NOT NULL REFERENCES licences (id) ON DELETE CASCADE,
  id                uuid NOT NULL,
  login             text NOT NULL,
  first_name        text NOT NULL,
  last_name         text NOT NULL,
  email             text NOT NULL,
  mobile            text,
  gender            text CHECK (gender IN ('female', 'male', 'unspecified')),
  language          text NOT NULL,
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deactivated')),
  configuration_id  uuid NOT NULL,
  entity_group_id   uuid NOT NULL,
  default_entity_id uuid NOT NULL,
  internal          boolean NOT NULL DEFAULT false,
  protected         boolean NOT NULL DEFAULT false,
  password_hash     text,
  last_login_at     timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, id),
  FOREIGN KEY (licence_id, configuration_id) REFERENCES rights_configurations (licence_id, id),
  FOREIGN KEY (licence_id, entity_group_id) REFERENCES entity_groups (licence_id, id),
  FOREIGN KEY (licence_id, default_entity_id) REFERENCES entities (licence_id, id),
  FOREIGN KEY (licence_id, entity_group_id, default_entity_id)
    REFERENCES entity_group_members (licence_id, entity_group_id, entity_id)
);
-- Logins are unique in their licence whatever their case: the constraint, not the code, is the truth.
CREATE UNIQUE INDEX users_login_key ON users (licence_id, lower(login));
-- Keyset paging of the list, per status, in login order.
CREATE INDEX users_list_idx ON users (licence_id, status, lower(login), id);
-- Infix search on login, names and e-mail (q of 3+ characters) without scanning the licence.
CREATE INDEX users_search_idx ON users USING gin (
  (lower(login || ' ' || first_name || ' ' || last_name || ' ' || email)) gin_trgm_ops
);

CREATE TABLE sessions (
  licence_id   uuid NOT NULL,
  id           uuid NOT NULL,
  user_id      uuid NOT NULL,
  token_hash   text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  ip           text,
  user_agent   text,
  PRIMARY KEY (licence_id, id),
  FOREIGN KEY (licence_id, user_id) REFERENCES users (licence_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_idx ON sessions (licence_id, user_id);

-- Set-password links (welcome and reset): single use, stored hashed.
CREATE TABLE password_tokens (
  licence_id uuid NOT NULL,
  id         uuid NOT NULL,
  user_id    uuid NOT NULL,
  token_hash text NOT NULL UNIQUE,
  purpose    text NOT NULL CHECK (purpose IN ('welcome', 'reset')),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (licence_id, id),
  FOREIGN KEY (licence_id, user_id) REFERENCES users (licence_id, id) ON DELETE CASCADE
);
CREATE INDEX password_tokens_user_idx ON password_tokens (licence_id, user_id);

-- Messages are written here in the transaction of the change that causes them, then delivered by
-- the worker with retries, so a message is never lost when a process dies.
CREATE TABLE outbox (
  id              uuid PRIMARY KEY,
  licence_id      uuid REFERENCES licences (id) ON DELETE SET NULL,
  channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
  recipient       text NOT NULL,
  subject         text NOT NULL DEFAULT '',
  body            text NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  failed_at       timestamptz,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE operator_tokens (
  id           uuid PRIMARY KEY,
  name         text NOT NULL,
  token_hash   text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
