-- Tenancy: every search records the principal whose client token created it,
-- '' when the controller had no token files (single-user mode: such a search
-- is open to every client). A client reads and acts on only its own and
-- unowned searches unless its token has the admin role.
ALTER TABLE searches ADD COLUMN owner TEXT NOT NULL DEFAULT '';
-- Request ids are the client's own: two principals that pick the same id
-- create two searches, and neither can reach the other's through it.
ALTER TABLE searches DROP CONSTRAINT searches_request_id_key;
ALTER TABLE searches ADD CONSTRAINT searches_owner_request_id_key UNIQUE (owner, request_id);
-- ListSearches for one principal, newest first.
CREATE INDEX searches_owner_id ON searches (owner, id DESC);
