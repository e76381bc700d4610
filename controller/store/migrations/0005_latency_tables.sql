-- TF-NAS latency lookup tables measured by MEASURE_LATENCY jobs, keyed by the
-- device that measured them (as its worker reports it) and the space they
-- time (the canonical text of nas.v1.TfNasSpace). A new measurement of the
-- same device and space replaces the old one.
CREATE TABLE latency_tables (
  device      TEXT NOT NULL,
  space       TEXT NOT NULL,
  -- The paper's JSON format: {"base": ms, "<block key>": {"<width>": ms, ...}, ...}
  table_json  TEXT NOT NULL,
  measured_by BIGINT NOT NULL REFERENCES jobs (id),
  measured_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (device, space)
);
