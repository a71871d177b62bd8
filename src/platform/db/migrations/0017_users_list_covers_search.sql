-- Users search: the list index also holds the search text (as a key column, after the list order)
-- and the columns it is made of, so that a search walking a licence's list in login order tests each
-- entry from the index alone: no table row is read and the text is not recomputed (the planner takes
-- the stored value of an index expression only when the columns it is made of are in the index too).
-- A licence of up to 20,000 users is searched that way whatever the term (SEARCH_WALK_LIMIT in
-- src/features/users/store.ts); bigger ones by the trigram index or this walk, as the planner costs
-- them. At 10,000,000 users over 1,000 licences the e-mail-domain searches' id step fell from 40 ms
-- to about 1 ms (bench/users/README.md). Building it reads the users table once; writes to users wait
-- meanwhile. The index is about 2.5 times the size of the one it replaces (1M users: 74 -> 190 MB).
DROP INDEX users_list_idx;
CREATE INDEX users_list_idx ON users (
  licence_id, status, lower(login), id,
  lower(login || ' ' || first_name || ' ' || last_name || ' ' || email)
) INCLUDE (login, first_name, last_name, email);
