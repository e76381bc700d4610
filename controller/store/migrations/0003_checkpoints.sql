-- Trained weights, content-addressed, stored in chunks so no single value or
-- message has to hold a whole network.
CREATE TABLE checkpoints (
  digest     TEXT PRIMARY KEY,  -- 'sha256:<hex>' of the whole content
  size_bytes BIGINT NOT NULL,
  chunks     INT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE checkpoint_chunks (
  -- The checkpoint's digest, or 'upload:<n>' while an upload is in progress.
  digest TEXT NOT NULL,
  idx    INT NOT NULL,
  data   BYTEA NOT NULL,
  written_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (digest, idx)
);
CREATE SEQUENCE checkpoint_uploads;

-- The weights an individual's evaluation produced; cleared when no later
-- step can need them, after which the checkpoint is deleted.
ALTER TABLE individuals ADD COLUMN checkpoint_digest TEXT REFERENCES checkpoints (digest);
CREATE INDEX individuals_checkpoint ON individuals (checkpoint_digest)
  WHERE checkpoint_digest IS NOT NULL;

-- Weight inheritance (NASH): the morphisms a job applies to its parent's
-- weights, and the epochs it trains when the strategy sets them per job.
ALTER TABLE jobs ADD COLUMN morphisms TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN epochs INT;
