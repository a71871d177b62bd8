-- SCIM 2.0 provisioning (issue 14): a licence's identity provider creates, updates and removes its
-- users with a provisioning token. Tokens are stored hashed; each carries the rights configuration
-- and entity group given to users provisioned without Gatehouse's extension.
CREATE TABLE provisioning_tokens (
  licence_id       uuid NOT NULL REFERENCES licences (id) ON DELETE CASCADE,
  id               uuid NOT NULL,
  name             text NOT NULL,
  token_hash       text NOT NULL,
  configuration_id uuid NOT NULL,
  entity_group_id  uuid NOT NULL,
  created_by       uuid NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_used_at     timestamptz,
  revoked_at       timestamptz,
  PRIMARY KEY (licence_id, id),
  FOREIGN KEY (licence_id, configuration_id) REFERENCES rights_configurations (licence_id, id),
  FOREIGN KEY (licence_id, entity_group_id) REFERENCES entity_groups (licence_id, id),
  -- A token acts with its creator's rights: it goes with them, as their sessions do.
  FOREIGN KEY (licence_id, created_by) REFERENCES users (licence_id, id) ON DELETE CASCADE
);
-- Looked up by hash on every SCIM request, before the licence is known.
CREATE INDEX provisioning_tokens_hash_idx ON provisioning_tokens (token_hash);

-- The identity provider's own id for a user (SCIM externalId), kept as sent.
ALTER TABLE users ADD COLUMN external_id text;
CREATE INDEX users_external_id_idx ON users (licence_id, external_id) WHERE external_id IS NOT NULL;

-- SCIM ETags (meta.version): a counter the database bumps on every change of what a user is, so no
-- write path can forget it (updated_at is not precise enough: two changes in one millisecond, or a
-- clock that steps back). Sign-in and password bookkeeping is not a change of the resource and is
-- left out; a column added later is counted, which at worst costs a client a 412 and a fresh read.
ALTER TABLE users ADD COLUMN version integer NOT NULL DEFAULT 1;

CREATE FUNCTION gatehouse_bump_user_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'version' - 'updated_at' - 'last_login_at' - 'password_hash' - 'password_changed_at' - 'password_reminder_sent_at')
     IS DISTINCT FROM (to_jsonb(OLD) - 'version' - 'updated_at' - 'last_login_at' - 'password_hash' - 'password_changed_at' - 'password_reminder_sent_at') THEN
    NEW.version := OLD.version + 1;
  ELSE
    NEW.version := OLD.version;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER users_version BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION gatehouse_bump_user_version();
