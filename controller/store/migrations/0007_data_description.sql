-- What each search trains on, as its first evaluation that had data reported
-- it (nas.v1.DataDescription): data_fingerprint is what every later worker's
-- data must match (leases carry it as DataSplit.expected_fingerprint);
-- data_description is the whole message in protobuf text format (sizes,
-- per-channel normalisation, class names), which exports embed. Both NULL
-- until then.
ALTER TABLE searches ADD COLUMN data_fingerprint TEXT, ADD COLUMN data_description TEXT;
