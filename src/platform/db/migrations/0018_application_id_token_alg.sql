-- How an application's ID tokens are signed: RS256 unless its operator chose ES256 (a P-256 key of
-- the same key ring). RS256 stays the default: every OpenID client must accept it, and some accept
-- nothing else. ES256 tokens are smaller and cost a fraction of an RSA signature. A service receives
-- no ID token; it keeps the default, which the API neither takes nor shows for it.
ALTER TABLE applications
  ADD COLUMN id_token_signing_alg text NOT NULL DEFAULT 'RS256' CHECK (id_token_signing_alg IN ('RS256', 'ES256'));
