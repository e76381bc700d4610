-- A long job's newest resume state (HeartbeatRequest.resume_checkpoint): the
-- checkpoint its next attempt starts from, and the epochs it holds. Kept from
-- garbage collection while the job is pending or leased (checkpoint_store.cc);
-- once the job has ended the digest may name a collected checkpoint.
ALTER TABLE jobs
  ADD COLUMN resume_checkpoint TEXT,
  ADD COLUMN resume_epoch INT CHECK (resume_epoch >= 1),
  ADD CONSTRAINT jobs_resume_state_together
    CHECK ((resume_checkpoint IS NULL) = (resume_epoch IS NULL));

CREATE INDEX jobs_by_resume_checkpoint ON jobs (resume_checkpoint)
  WHERE resume_checkpoint IS NOT NULL;
