-- Early stopping (SearchSpec.early_stopping): the controller's decision to
-- stop an attempt, taken at the heartbeat that carried the epoch and
-- answered to every later heartbeat of that attempt; and, once the attempt's
-- result is recorded, on its individual (Individual.stopped_at_epoch and
-- stop_reason). NULL = not stopped.
ALTER TABLE job_attempts ADD COLUMN stop_epoch INT, ADD COLUMN stop_reason TEXT;
ALTER TABLE individuals ADD COLUMN stopped_at_epoch INT, ADD COLUMN stop_reason TEXT;
