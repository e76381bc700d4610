-- Searches, individuals, jobs and workers. All controller state lives here:
-- a controller restart (or a second controller) resumes from these rows.

CREATE TABLE searches (
  id                 BIGSERIAL PRIMARY KEY,
  name               TEXT NOT NULL,
  -- nas.v1.SearchSpec in protobuf text format, normalised (defaults filled).
  spec_text          TEXT NOT NULL,
  strategy           TEXT NOT NULL,
  seed               BIGINT NOT NULL,
  budget             INT NOT NULL CHECK (budget > 0),
  state              TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'cancelled')),
  -- Individuals proposed so far; the next one's birth_order.
  births             INT NOT NULL DEFAULT 0,
  evaluations_done   INT NOT NULL DEFAULT 0,
  evaluations_failed INT NOT NULL DEFAULT 0,
  created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  finished_at        TIMESTAMPTZ
);

CREATE TABLE individuals (
  id              BIGSERIAL PRIMARY KEY,
  search_id       BIGINT NOT NULL REFERENCES searches (id),
  birth_order     INT NOT NULL,
  genome          TEXT NOT NULL,
  genome_hash     TEXT NOT NULL,
  parent_id       BIGINT REFERENCES individuals (id),
  mutation        TEXT NOT NULL,
  seed            BIGINT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'evaluated', 'failed', 'cancelled')),
  fitness         DOUBLE PRECISION,
  parameter_count BIGINT,
  failure_reason  TEXT,
  -- Live member of the population (aging evolution ages members out).
  alive           BOOLEAN NOT NULL DEFAULT false,
  -- evaluations_done of the search right after this one was recorded (1-based).
  evaluated_order INT,
  -- evaluations_done of the search when this one was removed from the population.
  aged_out_at     INT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  evaluated_at    TIMESTAMPTZ,
  UNIQUE (search_id, birth_order),
  UNIQUE (search_id, evaluated_order)
);
CREATE INDEX individuals_by_fitness ON individuals (search_id, fitness DESC) WHERE state = 'evaluated';
CREATE INDEX individuals_alive ON individuals (search_id, birth_order) WHERE alive;

-- One row per named measurement of an individual (train_loss, train_seconds, ...).
CREATE TABLE individual_metrics (
  individual_id BIGINT NOT NULL REFERENCES individuals (id),
  name          TEXT NOT NULL,
  value         DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (individual_id, name)
);

CREATE TABLE workers (
  id         TEXT PRIMARY KEY,
  hostname   TEXT NOT NULL,
  device     TEXT NOT NULL,
  job_kinds  TEXT[] NOT NULL,
  first_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_seen  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE jobs (
  id               BIGSERIAL PRIMARY KEY,
  search_id        BIGINT NOT NULL REFERENCES searches (id),
  individual_id    BIGINT NOT NULL UNIQUE REFERENCES individuals (id),
  kind             TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'done', 'failed', 'cancelled')),
  -- Lease token: incremented by every lease; reports must carry the current one.
  attempt          INT NOT NULL DEFAULT 0,
  max_attempts     INT NOT NULL CHECK (max_attempts > 0),
  lease_seconds    INT NOT NULL CHECK (lease_seconds > 0),
  lease_owner      TEXT REFERENCES workers (id),
  lease_expires_at TIMESTAMPTZ,
  progress         DOUBLE PRECISION NOT NULL DEFAULT 0,
  failure_reason   TEXT,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  finished_at      TIMESTAMPTZ,
  CHECK ((state = 'leased') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);
CREATE INDEX jobs_pending ON jobs (kind, id) WHERE state = 'pending';
CREATE INDEX jobs_leased_expiry ON jobs (lease_expires_at) WHERE state = 'leased';
CREATE INDEX jobs_by_search ON jobs (search_id, state);

-- Every lease of every job, and how it ended: the audit trail of attempts.
CREATE TABLE job_attempts (
  job_id     BIGINT NOT NULL REFERENCES jobs (id),
  attempt    INT NOT NULL,
  worker_id  TEXT NOT NULL REFERENCES workers (id),
  leased_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  ended_at   TIMESTAMPTZ,
  -- 'reported', 'failed', 'expired', 'cancelled'; NULL while running.
  outcome    TEXT,
  PRIMARY KEY (job_id, attempt)
);
