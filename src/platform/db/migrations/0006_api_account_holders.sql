-- An API account's holder is named by user id when they have a console account: e-mails are not
-- unique, and matching the holder by e-mail let a second user with the same address receive the
-- secret. Deliveries read the holder by this id, never by e-mail. NULL: a holder outside the
-- console, reached by SMS. No foreign key: deleting the user must not be blocked by it, and a
-- deleted holder is simply no longer reachable in the console.
ALTER TABLE api_account_requests ADD COLUMN holder_user_id uuid;
-- How the secret went, once the request is fulfilled.
ALTER TABLE api_account_requests ADD COLUMN delivery text CHECK (delivery IN ('transfer-box', 'sms'));
ALTER TABLE api_accounts ADD COLUMN holder_user_id uuid;

-- Accounts and pending requests from before named their holder by e-mail: keep the console holder
-- only where exactly one user of the licence has that address (then it is the one who received it).
UPDATE api_accounts a SET holder_user_id = u.id
  FROM users u
 WHERE u.licence_id = a.licence_id AND lower(u.email) = lower(a.holder_email) AND u.status = 'active' AND NOT u.protected
   AND (SELECT count(*) FROM users v WHERE v.licence_id = a.licence_id AND lower(v.email) = lower(a.holder_email)) = 1;
UPDATE api_account_requests r SET holder_user_id = u.id
  FROM users u
 WHERE r.status = 'pending' AND u.licence_id = r.licence_id AND lower(u.email) = lower(r.holder_email) AND u.status = 'active' AND NOT u.protected
   AND (SELECT count(*) FROM users v WHERE v.licence_id = r.licence_id AND lower(v.email) = lower(r.holder_email)) = 1;

-- The holder's e-mail is checked for ambiguity on every request.
CREATE INDEX users_email_idx ON users (licence_id, lower(email));
