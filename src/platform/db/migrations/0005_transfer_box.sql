-- Transfer Box: a licence's secure inbox. Each item is addressed to one user; its content is sealed
-- with AES-256-GCM by the application (the database never holds it in clear). Items expire and are
-- purged; the record of reads is kept, append-only, after its item is gone.

CREATE TABLE transfer_box_items (
  licence_id   uuid NOT NULL REFERENCES licences (id) ON DELETE CASCADE,
  id           uuid NOT NULL,
  recipient_id uuid NOT NULL,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  content_type text NOT NULL,
  size         integer NOT NULL CHECK (size >= 0),
  sender_kind  text NOT NULL CHECK (sender_kind IN ('operator', 'user', 'system')),
  sender_id    text,
  sender_name  text NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  read_at      timestamptz,
  content      bytea NOT NULL,
  PRIMARY KEY (licence_id, id),
  -- A deleted user's inbox goes with them.
  FOREIGN KEY (licence_id, recipient_id) REFERENCES users (licence_id, id) ON DELETE CASCADE
);
CREATE INDEX transfer_box_items_inbox_idx ON transfer_box_items (licence_id, recipient_id, created_at DESC, id DESC);
CREATE INDEX transfer_box_items_expiry_idx ON transfer_box_items (expires_at);

-- Every read of an item, for the licence's admins. Names are copied, not referenced: the record
-- outlives the item and the reader.
CREATE TABLE transfer_box_reads (
  licence_id     uuid NOT NULL REFERENCES licences (id),
  id             uuid NOT NULL,
  item_id        uuid NOT NULL,
  item_name      text NOT NULL,
  recipient_id   uuid NOT NULL,
  recipient_name text NOT NULL,
  sender_name    text NOT NULL,
  read_at        timestamptz NOT NULL,
  PRIMARY KEY (licence_id, id)
);
CREATE INDEX transfer_box_reads_at_idx ON transfer_box_reads (licence_id, read_at DESC, id DESC);
CREATE TRIGGER transfer_box_reads_append_only BEFORE UPDATE OR DELETE ON transfer_box_reads
  FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
