-- Per-epoch progress of long jobs (supernet searches), as workers report it
-- in heartbeats. A repeated heartbeat for the same epoch changes nothing.
CREATE TABLE job_epochs (
  job_id       BIGINT NOT NULL REFERENCES jobs (id),
  attempt      INT NOT NULL,
  epoch        INT NOT NULL CHECK (epoch > 0),
  epochs       INT NOT NULL CHECK (epochs >= epoch),
  -- {"train_loss": 0.41, ...}
  metrics      JSONB NOT NULL,
  architecture TEXT NOT NULL,
  reported_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, attempt, epoch)
);
