-- History stays fast as it grows (bench/history.sh): what every step and
-- every GetSearch asks of one search reads only the rows it needs, not all
-- of the search's individuals.

-- A step's count of unfinished individuals (search_step.cc LoadSnapshot).
CREATE INDEX individuals_pending ON individuals (search_id, birth_order)
  WHERE state = 'pending';

-- GetSearch's count of stopped individuals (rows.cc kSearchColumns).
CREATE INDEX individuals_stopped ON individuals (search_id)
  WHERE stop_reason IS NOT NULL;

-- A step's release of weights no later step needs (ReleaseCheckpoints):
-- the search's individuals that still keep some.
CREATE INDEX individuals_with_checkpoint ON individuals (search_id)
  WHERE checkpoint_digest IS NOT NULL;

-- The best individual (GetSearch, GetBestIndividual, ReleaseCheckpoints) in
-- the order asked for, ties by birth included: the first entry is the answer.
CREATE INDEX individuals_best ON individuals (search_id, (objective_scores[1]) DESC, birth_order)
  WHERE state = 'evaluated';
DROP INDEX individuals_by_first_score;
