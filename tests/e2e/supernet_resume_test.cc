// A supernet search survives its worker being SIGKILLed mid-search: the
// worker saved its state after every epoch, the controller handed the newest
// to the job's next attempt, and that attempt started at the epoch after it
// and derived the same cell with the same final architecture weights, bit
// for bit (CPU, fixed seed), as a search nobody interrupted.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

constexpr int kEpochs = 6;

v1::SearchSpec Spec() {
  v1::SearchSpec spec =
      testing::DigitsSupernetSpec(v1::SupernetSearch::PC_DARTS, /*retrain=*/false);
  spec.mutable_strategy()->mutable_supernet()->set_epochs(kEpochs);
  spec.set_seed(11);
  spec.set_lease_seconds(5);  // The killed attempt's lease expires soon.
  spec.set_max_attempts(3);
  return spec;
}

// The job of the search's only individual.
int64_t JobOf(pqxx::connection& conn, int64_t search_id) {
  pqxx::work txn(conn);
  return txn.exec_params1("SELECT id FROM jobs WHERE search_id = $1", search_id)[0].as<int64_t>();
}

TEST(SupernetResumeTest, AKilledSearchResumesAfterItsLastSavedEpochAndEndsTheSame) {
  testing::LocalCluster cluster("supernet_resume");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=supernet_search"});
  pqxx::connection conn(cluster.dsn());

  // Uninterrupted.
  ASSERT_OK_AND_ASSIGN(const int64_t straight_id, cluster.CreateSearch(Spec()));
  auto straight = cluster.WaitForSearch(straight_id, absl::Minutes(5));
  ASSERT_TRUE(straight.ok()) << straight.status() << cluster.Logs();
  ASSERT_EQ(straight->evaluations_done(), 1) << cluster.Logs();

  // The same search, its worker killed once a state after epoch 2 is stored.
  ASSERT_OK_AND_ASSIGN(const int64_t killed_id, cluster.CreateSearch(Spec()));
  int saved = 0;
  for (int waited = 0; saved < 2 && waited < 240000; waited += 20) {
    pqxx::work txn(conn);
    const pqxx::result rows = txn.exec_params(
        "SELECT COALESCE(resume_epoch, 0) FROM jobs WHERE search_id = $1", killed_id);
    txn.commit();
    if (!rows.empty()) saved = rows[0][0].as<int>();
    if (saved < 2) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_GE(saved, 2) << cluster.Logs();
  cluster.worker(0).Kill();
  absl::SleepFor(absl::Seconds(1));  // A heartbeat it had sent lands or fails.
  const int64_t job_id = JobOf(conn, killed_id);
  int k = 0;
  {
    pqxx::work txn(conn);
    const pqxx::row row =
        txn.exec_params1("SELECT resume_epoch, attempt, state FROM jobs WHERE id = $1", job_id);
    k = row[0].as<int>();
    ASSERT_EQ(row[1].as<int>(), 1);
    ASSERT_EQ(row[2].as<std::string>(), "leased") << "the kill came after the job ended";
  }
  ASSERT_LT(k, kEpochs);
  cluster.RestartWorker(0);

  auto resumed = cluster.WaitForSearch(killed_id, absl::Minutes(5));
  ASSERT_TRUE(resumed.ok()) << resumed.status() << cluster.Logs();
  ASSERT_EQ(resumed->evaluations_done(), 1) << cluster.Logs();

  pqxx::work txn(conn);
  // The kill took effect: the first attempt's lease expired, a second ran.
  EXPECT_EQ(txn.exec_params1("SELECT outcome FROM job_attempts WHERE job_id = $1 AND attempt = 1",
                             job_id)[0]
                .as<std::string>(),
            "expired");
  EXPECT_EQ(txn.exec_params1("SELECT attempt FROM jobs WHERE id = $1", job_id)[0].as<int>(), 2);
  // The second attempt reported epochs k+1..kEpochs only.
  const pqxx::row second = txn.exec_params1(
      "SELECT min(epoch), max(epoch), count(*) FROM job_epochs WHERE job_id = $1 AND attempt = 2",
      job_id);
  EXPECT_EQ(second[0].as<int>(), k + 1);
  EXPECT_EQ(second[1].as<int>(), kEpochs);
  EXPECT_EQ(second[2].as<int>(), kEpochs - k);
  EXPECT_THAT(cluster.worker(0).Log(), HasSubstr(absl::StrCat("resuming after epoch ", k)));

  // Both searches trained the same seed, and ended the same: the derived
  // cell, the final architecture weights (the checkpoint's digest is of
  // their bytes) and the supernet's measurements.
  const std::string seeds =
      absl::StrCat("SELECT count(DISTINCT seed) FROM individuals WHERE search_id IN (", straight_id,
                   ", ", killed_id, ")");
  EXPECT_EQ(txn.exec1(seeds)[0].as<int>(), 1);
  const v1::Individual& a = straight->best();
  const v1::Individual& b = resumed->best();
  EXPECT_EQ(b.architecture().text(), a.architecture().text());
  EXPECT_FALSE(a.checkpoint().empty());
  EXPECT_EQ(b.checkpoint(), a.checkpoint());
  EXPECT_EQ(b.fitness(), a.fitness());
  EXPECT_EQ(b.metrics().at("supernet_valid_loss"), a.metrics().at("supernet_valid_loss"));
  EXPECT_EQ(b.metrics().at("supernet_train_loss"), a.metrics().at("supernet_train_loss"));
}

}  // namespace
}  // namespace nas
