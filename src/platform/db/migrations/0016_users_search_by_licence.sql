-- Users search: the trigram index gains licence_id as its first column (btree_gin), so a search is
-- served within its licence. Without it, a substring common across the installation (an e-mail domain,
-- "user1") gathered every licence's matches before keeping the licence's own: at 10,000,000 users over
-- 1,000 licences, 300,000 entries and 150-190 ms for `customer17` (bench/users/README.md). It is also
-- the shape a distributed PostgreSQL wants: an index that leads with the distribution column.
-- Building it reads the users table once; writes to users wait meanwhile (minutes at millions of users).
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX users_search_idx;
CREATE INDEX users_search_idx ON users USING gin (
  licence_id,
  (lower(login || ' ' || first_name || ' ' || last_name || ' ' || email)) gin_trgm_ops
);
