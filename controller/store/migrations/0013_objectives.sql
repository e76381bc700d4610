-- A search's objectives (SearchSpec.objectives) as measured for each
-- evaluated individual: objective_values in the spec's order, as measured,
-- and objective_scores the same oriented so that larger is better (minimized
-- values negated). Searches without objectives have one: fitness.
ALTER TABLE individuals
  ADD COLUMN objective_values double precision[],
  ADD COLUMN objective_scores double precision[];

UPDATE individuals SET objective_values = ARRAY[fitness], objective_scores = ARRAY[fitness]
WHERE state = 'evaluated';

-- The best by the first objective (Search.best, checkpoint release).
CREATE INDEX individuals_by_first_score ON individuals (search_id, (objective_scores[1]) DESC)
  WHERE state = 'evaluated';

-- The Pareto front of each search: the evaluated individuals no other
-- evaluated individual of the search dominates (at least as good by every
-- objective and better by one). A row written without scores counts as
-- [fitness].
--   SELECT individual_id, objective_values FROM pareto_front WHERE search_id = 1;
CREATE VIEW pareto_front AS
WITH scored AS (
  SELECT id, search_id, birth_order, fitness, parameter_count, genome,
         COALESCE(objective_values, ARRAY[fitness]) AS objective_values,
         COALESCE(objective_scores, ARRAY[fitness]) AS scores
  FROM individuals WHERE state = 'evaluated')
SELECT a.search_id, a.id AS individual_id, a.birth_order, a.fitness, a.parameter_count,
       a.objective_values, a.genome
FROM scored a
WHERE NOT EXISTS (
  SELECT 1 FROM scored b
  WHERE b.search_id = a.search_id AND b.id <> a.id
    AND cardinality(b.scores) = cardinality(a.scores)
    AND NOT EXISTS (SELECT 1 FROM generate_subscripts(a.scores, 1) k WHERE b.scores[k] < a.scores[k])
    AND EXISTS (SELECT 1 FROM generate_subscripts(a.scores, 1) k WHERE b.scores[k] > a.scores[k]));
