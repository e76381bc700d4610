-- Makes CreateSearch idempotent. Every search records the id of the request
-- that created it: the client's request_id, or one the controller draws per
-- call, so that a transaction retried after its commit was in doubt (the
-- connection broke during COMMIT) finds the search it already created.
ALTER TABLE searches ADD COLUMN request_id TEXT UNIQUE;
