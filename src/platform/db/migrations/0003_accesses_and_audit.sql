-- Licence accesses (console sign-ins and support visits) and the audit trail. Both are append-only:
-- the database itself refuses to update or delete their rows.

CREATE FUNCTION gatehouse_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;

-- Kept after the user is deleted: the login is copied, not referenced.
CREATE TABLE sign_in_accesses (
  licence_id uuid NOT NULL REFERENCES licences (id),
  id         uuid NOT NULL,
  user_id    uuid NOT NULL,
  login      text NOT NULL,
  at         timestamptz NOT NULL,
  ip         text,
  user_agent text,
  PRIMARY KEY (licence_id, id)
);
CREATE INDEX sign_in_accesses_at_idx ON sign_in_accesses (licence_id, at DESC, id DESC);
CREATE INDEX sign_in_accesses_login_idx ON sign_in_accesses (licence_id, lower(login), at DESC);
CREATE TRIGGER sign_in_accesses_append_only BEFORE UPDATE OR DELETE ON sign_in_accesses
  FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();

CREATE TABLE support_visits (
  licence_id        uuid NOT NULL REFERENCES licences (id),
  id                uuid NOT NULL,
  at                timestamptz NOT NULL,
  ticket            text NOT NULL,
  description       text NOT NULL,
  operator          text NOT NULL,
  operator_token_id uuid,
  PRIMARY KEY (licence_id, id)
);
CREATE INDEX support_visits_at_idx ON support_visits (licence_id, at DESC, id DESC);
CREATE TRIGGER support_visits_append_only BEFORE UPDATE OR DELETE ON support_visits
  FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();

-- A support visit's session says so, so what the support account changes is recorded as the visit's.
ALTER TABLE sessions ADD COLUMN support_visit_id uuid;

-- Every change made by an admin, an operator or the support account. licence_id is null only for
-- changes to the platform as a whole (catalog releases).
CREATE TABLE audit_events (
  id          uuid PRIMARY KEY,
  licence_id  uuid,
  at          timestamptz NOT NULL,
  actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'operator', 'support')),
  actor_id    uuid,
  actor_name  text NOT NULL,
  action      text NOT NULL,
  target_kind text NOT NULL,
  target_id   text,
  target_name text,
  before      jsonb,
  after       jsonb,
  ip          text
);
CREATE INDEX audit_events_licence_idx ON audit_events (licence_id, at DESC, id DESC);
CREATE INDEX audit_events_at_idx ON audit_events (at DESC, id DESC);
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
