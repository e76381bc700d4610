// Failures inside a worker (diverging training, out of memory, a missing
// dataset) become failed evaluations with their reasons recorded, and the
// same worker process goes on serving.
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

v1::SearchSpec Spec(const std::string& name) {
  v1::SearchSpec spec = testing::DigitsSpec(/*epochs=*/1);
  spec.set_name(name);
  spec.set_max_attempts(2);
  return spec;
}

struct Outcome {
  std::string state;
  std::string reason;
  int attempts;
};

TEST(WorkerFailuresTest, FailuresAreRecordedAndTheWorkerKeepsServing) {
  testing::LocalCluster cluster("worker_failures");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1");
  const pid_t worker_pid = cluster.worker(0).pid();

  v1::SearchSpec diverging = Spec("diverging");
  testing::MakeDiverging(&diverging);
  v1::SearchSpec missing = Spec("missing dataset");
  missing.mutable_dataset()->set_path("/nonexistent/digits.csv");
  v1::SearchSpec huge = Spec("out of memory");
  testing::MakeOutOfMemory(&huge);
  const v1::SearchSpec healthy = Spec("healthy");

  std::vector<int64_t> ids;
  for (const v1::SearchSpec& spec : {diverging, missing, huge, healthy}) {
    ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));
    ids.push_back(id);
  }
  for (int64_t id : ids) {
    auto done = cluster.WaitForSearch(id, absl::Minutes(3));
    ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  }

  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  std::vector<Outcome> outcomes;
  for (int64_t id : ids) {
    const pqxx::row row = txn.exec_params1(
        "SELECT i.state, COALESCE(i.failure_reason, ''), j.attempt FROM individuals i "
        "JOIN jobs j ON j.individual_id = i.id WHERE i.search_id = $1",
        id);
    outcomes.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<int>()});
  }
  EXPECT_EQ(outcomes[0].state, "failed");
  EXPECT_THAT(outcomes[0].reason, HasSubstr("non-finite loss"));
  EXPECT_EQ(outcomes[0].attempts, 1) << "divergence is not retried";
  EXPECT_EQ(outcomes[1].state, "failed");
  EXPECT_THAT(outcomes[1].reason, HasSubstr("/nonexistent/digits.csv"));
  EXPECT_EQ(outcomes[2].state, "failed");
  EXPECT_THAT(outcomes[2].reason, HasSubstr("out of memory"));
  EXPECT_EQ(outcomes[2].attempts, 2) << "out of memory may pass elsewhere: retried";
  EXPECT_EQ(outcomes[3].state, "evaluated") << cluster.Logs();
  // One worker process served all four, crashing on none.
  EXPECT_TRUE(cluster.worker(0).running());
  EXPECT_EQ(cluster.worker(0).pid(), worker_pid);
}

// A job that vanished while the worker ran it (a database restored to an
// earlier state) is dropped: its report is refused with NOT_FOUND and the
// same worker process goes on with the next job.
TEST(WorkerFailuresTest, AJobThatVanishedIsDroppedAndTheWorkerGoesOn) {
  testing::LocalCluster cluster("vanished_job");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1");
  const pid_t worker_pid = cluster.worker(0).pid();
  v1::SearchSpec slow = Spec("slow");
  slow.mutable_training()->set_epochs(40);  // Seconds: time to remove the job under it.
  ASSERT_OK_AND_ASSIGN(const int64_t vanishing, cluster.CreateSearch(slow));

  pqxx::connection conn(cluster.dsn());
  int64_t job = 0;
  for (int waited = 0; job == 0 && waited < 30000; waited += 50) {
    pqxx::work txn(conn);
    const pqxx::result rows =
        txn.exec_params("SELECT id FROM jobs WHERE search_id = $1 AND state = 'leased'", vanishing);
    if (!rows.empty()) job = rows[0][0].as<int64_t>();
    txn.commit();
    if (job == 0) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_NE(job, 0) << cluster.Logs();
  {
    pqxx::work txn(conn);
    txn.exec_params("DELETE FROM job_log_lines WHERE job_id = $1", job);
    txn.exec_params("DELETE FROM job_attempts WHERE job_id = $1", job);
    txn.exec_params("DELETE FROM jobs WHERE id = $1", job);
    txn.commit();
  }

  ASSERT_OK_AND_ASSIGN(const int64_t next, cluster.CreateSearch(Spec("next")));
  auto done = cluster.WaitForSearch(next, absl::Minutes(3));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->evaluations_done(), 1) << cluster.Logs();
  EXPECT_THAT(cluster.worker(0).Log(), HasSubstr("report refused: NOT_FOUND"));
  EXPECT_TRUE(cluster.worker(0).running());
  EXPECT_EQ(cluster.worker(0).pid(), worker_pid);
}

}  // namespace
}  // namespace nas
