-- Constraints (SearchSpec.constraints): a candidate that breaks one is not
-- trained and is recorded as 'infeasible', with the reason in
-- failure_reason and what was measured (parameter_count, metrics).
ALTER TABLE individuals DROP CONSTRAINT individuals_state_check;
ALTER TABLE individuals ADD CONSTRAINT individuals_state_check
  CHECK (state IN ('pending', 'evaluated', 'failed', 'cancelled', 'infeasible'));

-- Search.evaluations_infeasible.
ALTER TABLE searches ADD COLUMN evaluations_infeasible INT NOT NULL DEFAULT 0;
