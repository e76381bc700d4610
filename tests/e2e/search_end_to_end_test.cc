// The walking skeleton end to end: real PostgreSQL, a controller process, two
// worker processes training real candidates on the 8x8 digits.
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

TEST(SearchEndToEndTest, TwoWorkersRunASearchToCompletionEachJobOnce) {
  testing::LocalCluster cluster("e2e");
  ASSERT_OK(cluster.StartController());
  const int budget = 6;
  // Neither worker may run the whole budget, so both share the search
  // however they happen to be scheduled.
  const std::string max_jobs = absl::StrCat("--max_jobs=", budget - 1);
  cluster.StartWorker("w1", 0, {max_jobs});
  cluster.StartWorker("w2", 0, {max_jobs});

  v1::SearchSpec spec = testing::DigitsSpec();
  spec.set_budget(budget);
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));
  auto done = cluster.WaitForSearch(id, absl::Minutes(4));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done->evaluations_done(), budget) << cluster.Logs();
  EXPECT_EQ(done->evaluations_failed(), 0) << cluster.Logs();

  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  // Every job finished exactly once: one lease, one accepted report.
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM jobs WHERE state = 'done'")[0].as<int>(), budget);
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM jobs")[0].as<int>(), budget);
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM job_attempts WHERE outcome = 'reported'")[0].as<int>(),
            budget);
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM (SELECT job_id FROM job_attempts GROUP BY "
                      "job_id HAVING count(*) > 1) x")[0]
                .as<int>(),
            0);
  // The cluster's two workers ran every job between them.
  std::set<std::string> workers;
  for (const auto& row : txn.exec("SELECT DISTINCT worker_id FROM job_attempts")) {
    workers.insert(row[0].as<std::string>());
  }
  EXPECT_EQ(workers, (std::set<std::string>{"w1", "w2"})) << cluster.Logs();
  // Real training: fitness is a validation accuracy, parameters were counted.
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM individuals WHERE state = 'evaluated' AND "
                      "fitness BETWEEN 0 AND 1 AND parameter_count > 0")[0]
                .as<int>(),
            budget);
  const double max_fitness = txn.exec1("SELECT max(fitness) FROM individuals")[0].as<double>();
  EXPECT_GT(max_fitness, 0.3) << "the best of 6 trained nets should beat chance (0.1)";

  // The best individual reported by the API is the one with the highest fitness.
  v1::GetBestIndividualRequest best_request;
  best_request.set_search_id(id);
  v1::Individual best;
  grpc::ClientContext context;
  ASSERT_TRUE(cluster.SearchStub()->GetBestIndividual(&context, best_request, &best).ok());
  EXPECT_DOUBLE_EQ(best.fitness(), max_fitness);
  EXPECT_EQ(best.id(), txn.exec1("SELECT id FROM individuals ORDER BY fitness DESC, "
                                 "birth_order LIMIT 1")[0]
                           .as<int64_t>());
  EXPECT_DOUBLE_EQ(done->best().fitness(), max_fitness);
}

}  // namespace
}  // namespace nas
