#include "tests/testing/population_invariants.h"

#include <algorithm>

#include "gtest/gtest.h"
#include "pqxx/pqxx"

namespace nas::testing {

void ExpectSearchInvariants(const std::string& dsn, int64_t search_id, int budget, int population) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  const auto count = [&](const std::string& sql) {
    return txn.exec_params1(sql, search_id)[0].as<int>();
  };
  EXPECT_EQ(count("SELECT births FROM searches WHERE id = $1"), budget);
  EXPECT_EQ(count("SELECT count(*) FROM individuals WHERE search_id = $1"), budget);
  EXPECT_EQ(count("SELECT count(DISTINCT birth_order) FROM individuals WHERE "
                  "search_id = $1 AND birth_order >= 0"),
            budget);
  EXPECT_EQ(count("SELECT COALESCE(max(birth_order), -1) FROM individuals WHERE search_id = $1"),
            budget - 1);
  const int evaluated =
      count("SELECT count(*) FROM individuals WHERE search_id = $1 AND state = 'evaluated'");
  const int failed =
      count("SELECT count(*) FROM individuals WHERE search_id = $1 AND state = 'failed'");
  // Candidates that broke the constraints (SearchSpec.constraints): not
  // trained, never in the population, but births all the same.
  const int infeasible =
      count("SELECT count(*) FROM individuals WHERE search_id = $1 AND state = 'infeasible'");
  EXPECT_EQ(evaluated + failed + infeasible, budget)
      << "an individual neither evaluated, failed nor infeasible";
  EXPECT_EQ(count("SELECT evaluations_done FROM searches WHERE id = $1"), evaluated);
  EXPECT_EQ(count("SELECT evaluations_failed FROM searches WHERE id = $1"), failed);
  EXPECT_EQ(count("SELECT evaluations_infeasible FROM searches WHERE id = $1"), infeasible);
  EXPECT_EQ(count("SELECT count(*) FROM individuals WHERE search_id = $1 AND state = "
                  "'infeasible' AND (failure_reason IS NULL OR failure_reason = '' OR alive OR "
                  "evaluated_order IS NOT NULL OR checkpoint_digest IS NOT NULL)"),
            0);
  // Evaluation order is exactly 1..evaluated: no result recorded twice.
  EXPECT_EQ(count("SELECT count(DISTINCT evaluated_order) FROM individuals WHERE "
                  "search_id = $1 AND state = 'evaluated'"),
            evaluated);
  EXPECT_EQ(count("SELECT COALESCE(max(evaluated_order), 0) FROM individuals WHERE "
                  "search_id = $1"),
            evaluated);
  // Jobs: one per individual; done ones have exactly one accepted report,
  // failed ones a reason; none left pending or leased.
  // Warm-started members (SearchSpec.warm_start) were evaluated elsewhere: no job.
  const int warm_started = count(
      "SELECT count(*) FROM individuals i WHERE i.search_id = $1 AND i.mutation LIKE "
      "'warm start: %' AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.individual_id = i.id)");
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE search_id = $1"), budget - warm_started);
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE search_id = $1 AND state = 'done'"),
            evaluated + infeasible);
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE search_id = $1 AND state = 'failed' "
                  "AND failure_reason IS NOT NULL AND failure_reason <> ''"),
            failed);
  EXPECT_EQ(count("SELECT count(*) FROM jobs j WHERE j.search_id = $1 AND j.state = 'done' "
                  "AND (SELECT count(*) FROM job_attempts a WHERE a.job_id = j.id AND "
                  "a.outcome = 'reported') <> 1"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM individuals i JOIN jobs j ON j.individual_id = i.id "
                  "WHERE i.search_id = $1 AND (i.state IN ('evaluated', 'infeasible')) <> "
                  "(j.state = 'done')"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM individuals WHERE search_id = $1 AND state = 'failed' "
                  "AND (failure_reason IS NULL OR failure_reason = '')"),
            0);
  if (population <= 0) return;
  const int alive = std::min(evaluated, population);
  EXPECT_EQ(count("SELECT count(*) FROM individuals WHERE search_id = $1 AND alive"), alive);
  EXPECT_EQ(count("SELECT count(*) FROM individuals WHERE search_id = $1 AND "
                  "aged_out_at IS NOT NULL"),
            evaluated - alive);
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT step, count(*) n FROM population_at_step "
                  "WHERE search_id = $1 GROUP BY step) x WHERE n <> LEAST(step, " +
                  std::to_string(population) + ")"),
            0);
  // After every step the population is exactly the `population` members
  // evaluated most recently: none older, none missing (the count above).
  EXPECT_EQ(
      count("SELECT count(*) FROM population_at_step s JOIN individuals i ON "
            "i.id = s.individual_id WHERE s.search_id = $1 AND (i.evaluated_order <= s.step - " +
            std::to_string(population) + " OR i.evaluated_order > s.step)"),
      0);
  EXPECT_EQ(count("SELECT count(*) FROM individuals WHERE search_id = $1 AND alive AND "
                  "evaluated_order <= " +
                  std::to_string(evaluated - population)),
            0);
  // Members leave in the order they joined (evaluation order): oldest first.
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT evaluated_order, lag(evaluated_order) OVER "
                  "(ORDER BY aged_out_at) prev FROM individuals WHERE search_id = $1 "
                  "AND aged_out_at IS NOT NULL) x WHERE prev > evaluated_order"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM individuals c JOIN individuals p ON p.id = c.parent_id "
                  "WHERE c.search_id = $1 AND p.state <> 'evaluated'"),
            0);
}

}  // namespace nas::testing
