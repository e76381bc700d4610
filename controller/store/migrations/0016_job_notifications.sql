-- Long-poll leases (controller/store/job_notifications.h): every change that
-- lets a waiting LeaseJob find work sends a notification on the channel
-- nas_jobs, whichever controller (or psql) made it. PostgreSQL delivers it at
-- commit and folds repeats of one payload within a transaction into one.
--
-- Payload: the job kind (jobs.kind) when a job of that kind became pending;
-- '' (any kind may follow) when a search may queue more: a job left 'leased'
-- (its search has room for another in flight; a report also steps its search
-- and its new jobs notify on their own), a search was created, resumed or
-- given more budget. Births and evaluations move only with those job rows.
--
-- Row triggers with WHEN clauses: the condition is checked without calling
-- the function, so heartbeats, progress and the lease itself (pending ->
-- leased) cost nothing; only rows whose state moves the queue notify.

CREATE FUNCTION nas_notify_job_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('nas_jobs', NEW.kind);
  RETURN NULL;
END $$;

CREATE FUNCTION nas_notify_queue_room() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('nas_jobs', '');
  RETURN NULL;
END $$;

CREATE TRIGGER jobs_queued AFTER INSERT ON jobs
  FOR EACH ROW WHEN (NEW.state = 'pending')
  EXECUTE FUNCTION nas_notify_job_pending();

CREATE TRIGGER jobs_requeued AFTER UPDATE OF state ON jobs
  FOR EACH ROW WHEN (NEW.state = 'pending' AND OLD.state <> 'pending')
  EXECUTE FUNCTION nas_notify_job_pending();

CREATE TRIGGER jobs_lease_ended AFTER UPDATE OF state ON jobs
  FOR EACH ROW WHEN (OLD.state = 'leased' AND NEW.state NOT IN ('leased', 'pending'))
  EXECUTE FUNCTION nas_notify_queue_room();

CREATE TRIGGER searches_created AFTER INSERT ON searches
  FOR EACH ROW WHEN (NEW.state = 'running')
  EXECUTE FUNCTION nas_notify_queue_room();

CREATE TRIGGER searches_runnable AFTER UPDATE OF state, budget ON searches
  FOR EACH ROW WHEN (NEW.state = 'running'
                     AND (OLD.state <> 'running' OR NEW.budget > OLD.budget))
  EXECUTE FUNCTION nas_notify_queue_room();
