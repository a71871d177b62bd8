-- Ready to be sharded by licence (Citus, docs/scaling.md): every primary key and unique index of a
-- tenant table holds licence_id, so each shard can enforce it alone, and every token names its
-- licence (src/platform/licence-tokens.ts), so it is looked up in one shard:
-- WHERE licence_id = $1 AND token_hash = $2. src/platform/db/citus-ready.test.ts keeps it so.

-- Console sessions and sign-in challenges issued before this migration name no licence. They are
-- short-lived (hours, minutes) and end here: people sign in again.
DELETE FROM sessions;
DELETE FROM sign_in_challenges;

ALTER TABLE sessions DROP CONSTRAINT sessions_token_hash_key;
CREATE UNIQUE INDEX sessions_token_key ON sessions (licence_id, token_hash);

ALTER TABLE sign_in_challenges DROP CONSTRAINT sign_in_challenges_token_hash_key;
CREATE UNIQUE INDEX sign_in_challenges_token_key ON sign_in_challenges (licence_id, token_hash);

-- API accounts' opaque tokens are no longer issued (their grant is the OpenID Provider's, JWTs); the
-- last ones, an hour long, name no licence and are found by hash alone until they expire.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_token_hash_key;
CREATE UNIQUE INDEX api_tokens_token_key ON api_tokens (licence_id, token_hash);
CREATE INDEX api_tokens_hash_idx ON api_tokens (token_hash);

-- Set-password links live up to a week (welcome): those mailed before this migration keep working,
-- found by their hash alone (every shard is asked once sharded). A later migration may drop the
-- plain index once they have expired.
ALTER TABLE password_tokens DROP CONSTRAINT password_tokens_token_hash_key;
CREATE UNIQUE INDEX password_tokens_token_key ON password_tokens (licence_id, token_hash);
CREATE INDEX password_tokens_legacy_hash_idx ON password_tokens (token_hash);

-- The outbox and the audit trail also hold the platform's own rows (back-channel logout notices to
-- applications; changes to the catalog, operator tokens, applications), which had no licence. A
-- distribution column is never null, so they are filed under the platform's id, the nil UUID, which
-- names no licence (src/platform/audit.ts, src/platform/messaging/outbox.ts). A message outlives its
-- licence until it is delivered, so the outbox no longer refers to licences.
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_licence_id_fkey;
UPDATE outbox SET licence_id = '00000000-0000-0000-0000-000000000000' WHERE licence_id IS NULL;
ALTER TABLE outbox ALTER COLUMN licence_id SET NOT NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey;
ALTER TABLE outbox ADD PRIMARY KEY (licence_id, id);

ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
UPDATE audit_events SET licence_id = '00000000-0000-0000-0000-000000000000' WHERE licence_id IS NULL;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;
ALTER TABLE audit_events ALTER COLUMN licence_id SET NOT NULL;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
ALTER TABLE audit_events ADD PRIMARY KEY (licence_id, id);
