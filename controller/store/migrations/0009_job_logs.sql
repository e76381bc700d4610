-- Job logs and worker devices (SearchService.ListJobLogs, ListWorkers).

-- The lines workers logged while running jobs, as Heartbeat and ReportResult
-- carried them; only lines of the attempt holding the lease are kept. Read in
-- id order: the lines of one search are inserted under a per-search lock held
-- to commit (job_logs.cc), so ids grow in commit order and a reader that
-- pages by a count of lines already read never misses one. Lines are never
-- deleted or reordered while their job exists.
CREATE TABLE job_log_lines (
  id        BIGSERIAL PRIMARY KEY,
  search_id BIGINT NOT NULL REFERENCES searches (id),
  job_id    BIGINT NOT NULL,
  attempt   INT NOT NULL,
  worker_id TEXT NOT NULL REFERENCES workers (id),
  -- When the controller received it (all lines of one call share it).
  logged_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- At most 1000 bytes, cut at a character boundary.
  text      TEXT NOT NULL,
  -- Set only on an attempt's one marker line: how many of its heartbeat lines
  -- were dropped at the bound (the marker's text is updated as more are).
  dropped   INT,
  FOREIGN KEY (job_id, attempt) REFERENCES job_attempts (job_id, attempt)
);
CREATE INDEX job_log_lines_by_search ON job_log_lines (search_id, id);
CREATE INDEX job_log_lines_by_job ON job_log_lines (job_id, id);

-- Lines each attempt stored so far (its marker included), so that the bound
-- is checked without counting rows.
ALTER TABLE job_attempts ADD COLUMN log_lines INT NOT NULL DEFAULT 0;

-- workers.device was the device and its model in one ("cpu (Xeon 8480)"):
-- now the device as the worker names it ("cpu", "cuda:0") and, apart, its
-- model as reported (WorkerInfo.device_model, may be empty). The devices of
-- latency tables keep the combined form, built from both columns.
ALTER TABLE workers ADD COLUMN device_model TEXT NOT NULL DEFAULT '';
UPDATE workers
   SET device_model = regexp_replace(substr(device, strpos(device, ' (') + 2), '\)$', ''),
       device = substr(device, 1, strpos(device, ' (') - 1)
 WHERE strpos(device, ' (') > 0;
