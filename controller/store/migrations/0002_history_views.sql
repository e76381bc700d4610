-- Views over the population history for analysts. A "step" is the number of
-- evaluations a search had recorded (individuals.evaluated_order counts them
-- from 1); individuals.aged_out_at is the step at which a member was removed.

-- Every (search, step, member) of the live population after that step.
--   SELECT * FROM population_at_step WHERE search_id = 1 AND step = 50;
CREATE VIEW population_at_step AS
SELECT i.search_id, s.step, i.id AS individual_id, i.birth_order, i.fitness,
       i.genome, i.parent_id, i.mutation
FROM individuals i
JOIN searches se ON se.id = i.search_id
CROSS JOIN LATERAL generate_series(
    i.evaluated_order, COALESCE(i.aged_out_at - 1, se.evaluations_done)) AS s(step)
WHERE i.state = 'evaluated';

-- Each individual with each of its ancestors (depth 0 = itself, 1 = parent...).
--   SELECT * FROM individual_lineage WHERE individual_id = 42 ORDER BY depth;
CREATE RECURSIVE VIEW individual_lineage (individual_id, ancestor_id, depth, mutation) AS
SELECT id, id, 0, mutation FROM individuals
UNION ALL
SELECT l.individual_id, i.parent_id, l.depth + 1, p.mutation
FROM individual_lineage l
JOIN individuals i ON i.id = l.ancestor_id
JOIN individuals p ON p.id = i.parent_id;

-- The best fitness found after each step of each search.
--   SELECT step, best_fitness FROM best_so_far WHERE search_id = 1 ORDER BY step;
CREATE VIEW best_so_far AS
SELECT search_id, evaluated_order AS step, id AS individual_id, fitness,
       max(fitness) OVER (PARTITION BY search_id ORDER BY evaluated_order) AS best_fitness
FROM individuals
WHERE state = 'evaluated';
