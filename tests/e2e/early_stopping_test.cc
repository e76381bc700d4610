// Early stopping through the real controller, a real worker training on the
// digits and PostgreSQL: an aging-evolution search under the median rule
// stops some candidates, records them with their reason, their last epoch's
// accuracy and fewer epochs trained, and still spends its whole budget with
// the population invariants kept.
#include "absl/strings/match.h"
#include "common/status/grpc_status.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/local_cluster.h"
#include "tests/testing/population_invariants.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

constexpr int kBudget = 10, kPopulation = 4, kEpochs = 3;

v1::SearchSpec EarlyStoppingSpec() {
  v1::SearchSpec spec = testing::DigitsSpec(kEpochs);
  spec.set_budget(kBudget);
  spec.mutable_strategy()->mutable_aging_evolution()->set_population_size(kPopulation);
  spec.mutable_strategy()->mutable_aging_evolution()->set_sample_size(2);
  v1::MedianStopping* rule = spec.mutable_early_stopping()->mutable_median_stopping();
  rule->set_min_epochs(1);
  rule->set_min_candidates(2);
  return spec;
}

TEST(EarlyStoppingEndToEndTest, StopsPoorCandidatesAndSpendsTheBudget) {
  testing::LocalCluster cluster("early_stopping");
  ASSERT_OK(cluster.StartController());
  // One worker: candidates run one after another, so each is compared with
  // every earlier one and the run is the same every time.
  cluster.StartWorker("w1", 0, {"--job_kinds=train_candidate"});
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(EarlyStoppingSpec()));
  auto done = cluster.WaitForSearch(id, absl::Minutes(8));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  ASSERT_EQ(done->state(), v1::SEARCH_SUCCEEDED) << cluster.Logs();
  EXPECT_EQ(done->evaluations_done(), kBudget);
  EXPECT_GE(done->evaluations_stopped(), 1) << cluster.Logs();
  EXPECT_LT(done->evaluations_stopped(), kBudget - 2);
  // A stopped candidate counts as an evaluation of the strategy: the
  // population rules hold with it as with any other.
  testing::ExpectSearchInvariants(cluster.dsn(), id, kBudget, kPopulation);

  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  int stopped = 0;
  for (const auto& row : txn.exec_params(
           "SELECT i.id, i.fitness, COALESCE(i.stopped_at_epoch, 0), COALESCE(i.stop_reason, ''), "
           "(SELECT value FROM individual_metrics m WHERE m.individual_id = i.id "
           " AND m.name = 'epochs_trained'), "
           "(SELECT count(*) FROM job_epochs e JOIN jobs j ON j.id = e.job_id "
           " WHERE j.individual_id = i.id), "
           "(SELECT (e.metrics->>'valid_accuracy')::float8 FROM job_epochs e JOIN jobs j "
           " ON j.id = e.job_id WHERE j.individual_id = i.id ORDER BY e.epoch DESC LIMIT 1) "
           "FROM individuals i WHERE i.search_id = $1 ORDER BY i.birth_order",
           id)) {
    const int at = row[2].as<int>();
    const std::string reason = row[3].as<std::string>();
    const int trained = static_cast<int>(row[4].as<double>());
    SCOPED_TRACE(::testing::Message() << "individual " << row[0].as<int64_t>() << ": " << reason);
    // Every epoch trained was reported, with its validation accuracy; the
    // fitness is that of the last one.
    EXPECT_EQ(row[5].as<int>(), trained);
    EXPECT_NEAR(row[1].as<double>(), row[6].as<double>(), 1e-9);
    if (at == 0) {
      EXPECT_EQ(reason, "");
      EXPECT_EQ(trained, kEpochs);
      continue;
    }
    ++stopped;
    EXPECT_EQ(trained, at);
    EXPECT_LT(at, kEpochs);
    EXPECT_TRUE(absl::StartsWith(
        reason, absl::StrCat("stopped early at epoch ", at, "/", kEpochs, ": valid_accuracy ")));
    EXPECT_TRUE(absl::StrContains(reason, "earlier candidates"));
  }
  EXPECT_EQ(stopped, done->evaluations_stopped());
}

}  // namespace
}  // namespace nas
