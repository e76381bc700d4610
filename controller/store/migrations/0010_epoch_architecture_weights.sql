-- The supernet's architecture weights after each epoch (EpochProgress.
-- architecture_weights), for the dashboard's weights-over-epochs view: the
-- bytes of an EpochProgress holding only them. NULL for epochs recorded before.
ALTER TABLE job_epochs ADD COLUMN architecture_weights BYTEA;
