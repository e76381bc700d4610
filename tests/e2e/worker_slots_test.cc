// One worker process with two slots (--slots=2) on the CPU: two jobs leased
// and run at once under the worker's one id, each reported and counted once;
// failing jobs, a cancelled search or a lost lease in one slot leave the
// other slot's job running to its report, and a slot's late report of a lost
// lease is refused.
#include <sys/wait.h>

#include <algorithm>
#include <regex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/child_process.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

v1::SearchSpec Spec(const std::string& name, int epochs, int budget = 1) {
  v1::SearchSpec spec = testing::DigitsSpec(epochs);
  spec.set_name(name);
  spec.set_budget(budget);
  return spec;
}

int64_t One(pqxx::connection& conn, const std::string& sql) {
  pqxx::work txn(conn);
  const int64_t value = txn.exec1(sql)[0].as<int64_t>();
  txn.commit();
  return value;
}

// Polls `sql` (one number) until it is at least `want`, for up to `timeout`.
// Returns the last value.
int64_t WaitUntilAtLeast(pqxx::connection& conn, const std::string& sql, int64_t want,
                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  int64_t value = One(conn, sql);
  while (value < want && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    value = One(conn, sql);
  }
  return value;
}

std::string LeasedBy(const std::string& worker) {
  return absl::StrCat("SELECT count(*) FROM jobs WHERE state = 'leased' AND lease_owner = '",
                      worker, "'");
}

// The value of one sample of the worker's /metrics (labels as written there,
// e.g. `nas_worker_jobs_total{outcome="evaluated"}`), or -1.
double Metric(int port, const std::string& sample) {
  const std::string text =
      testing::RunCommand(absl::StrCat("curl -sf http://127.0.0.1:", port, "/metrics")).output;
  std::smatch m;
  const std::regex line("(^|\n)" + std::regex_replace(sample, std::regex(R"([{}"])"), R"(\$&)") +
                        " ([0-9.e+]+)");
  return std::regex_search(text, m, line) ? std::stod(m[2]) : -1;
}

double WaitForMetric(int port, const std::string& sample, double want) {
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  double value = Metric(port, sample);
  while (value != want && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
    value = Metric(port, sample);
  }
  return value;
}

// The worker's log once it holds `needle`, or as it is after 30 s.
std::string WaitForLog(testing::ChildProcess& worker, const std::string& needle) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  std::string log = worker.Log();
  while (log.find(needle) == std::string::npos && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
    log = worker.Log();
  }
  return log;
}

TEST(WorkerSlotsTest, TwoSlotsHoldTwoLeasesAtOnceAndEachJobIsCountedOnce) {
  const int metrics_port = testing::FreePort();
  testing::LocalCluster cluster("two_slots");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0,
                      {"--slots=2", absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port)});
  const int budget = 4;
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(Spec("two at once", 6, budget)));

  pqxx::connection conn(cluster.dsn());
  // Seen live: the one worker holds two leases at the same time.
  EXPECT_EQ(WaitUntilAtLeast(conn, LeasedBy("w1"), 2, absl::Minutes(2)), 2) << cluster.Logs();
  auto done = cluster.WaitForSearch(id, absl::Minutes(4));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done->evaluations_done(), budget) << cluster.Logs();
  EXPECT_EQ(done->evaluations_failed(), 0) << cluster.Logs();

  EXPECT_EQ(One(conn, "SELECT slots FROM workers WHERE id = 'w1'"), 2);
  // Each job leased once and reported once, all by the one worker.
  EXPECT_EQ(One(conn, "SELECT count(*) FROM jobs WHERE state = 'done' AND attempt = 1"), budget);
  EXPECT_EQ(One(conn,
                "SELECT count(*) FROM job_attempts WHERE worker_id = 'w1' AND "
                "outcome = 'reported'"),
            budget);
  EXPECT_EQ(One(conn, "SELECT count(*) FROM individuals WHERE state = 'evaluated'"), budget);
  // Recorded: two attempts overlapped in time, and never more than two did
  // (each attempt counts those open when it was leased, itself included).
  EXPECT_GE(One(conn,
                "SELECT count(*) FROM job_attempts a JOIN job_attempts b "
                "ON a.job_id < b.job_id WHERE a.leased_at < b.ended_at "
                "AND b.leased_at < a.ended_at"),
            1);
  EXPECT_EQ(One(conn,
                "SELECT max((SELECT count(*) FROM job_attempts b WHERE "
                "b.leased_at <= a.leased_at AND b.ended_at > a.leased_at)) "
                "FROM job_attempts a"),
            2);
  // The worker counted each job once, and says it has two slots.
  EXPECT_EQ(WaitForMetric(metrics_port, R"(nas_worker_jobs_total{outcome="evaluated"})", budget),
            budget);
  EXPECT_EQ(Metric(metrics_port, "nas_worker_slots"), 2);
  const std::string log = cluster.worker(0).Log();
  EXPECT_THAT(log, HasSubstr("2 slot(s)"));
  EXPECT_THAT(log, HasSubstr("w1 slot 0: job"));
  EXPECT_THAT(log, HasSubstr("w1 slot 1: job"));
}

// Jobs failing in one slot (out of memory, diverging) are reported failed by
// that slot while the other slot's job runs to its report in the same process.
TEST(WorkerSlotsTest, JobsFailingInOneSlotLeaveTheOtherSlotsJobRunning) {
  testing::LocalCluster cluster("slot_failures");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--slots=2"});
  const pid_t worker_pid = cluster.worker(0).pid();
  // Long enough (about 30 s alone) to outlast the three failing attempts
  // below, which load all of Fashion-MNIST each, on a loaded machine too.
  ASSERT_OK_AND_ASSIGN(const int64_t kept, cluster.CreateSearch(Spec("kept", 240)));
  pqxx::connection conn(cluster.dsn());
  ASSERT_EQ(WaitUntilAtLeast(conn, LeasedBy("w1"), 1, absl::Minutes(2)), 1) << cluster.Logs();

  // As in worker_failures_test: a batch of all of Fashion-MNIST through 512
  // stem channels fails to allocate at once (retried: max_attempts 2), and
  // an absurd learning rate diverges (not retried).
  v1::SearchSpec huge = Spec("out of memory", 1);
  huge.set_max_attempts(2);
  testing::MakeOutOfMemory(&huge);
  v1::SearchSpec diverging = Spec("diverging", 1);
  testing::MakeDiverging(&diverging);
  ASSERT_OK_AND_ASSIGN(const int64_t oom, cluster.CreateSearch(huge));
  ASSERT_OK_AND_ASSIGN(const int64_t diverged, cluster.CreateSearch(diverging));

  for (int64_t id : {oom, diverged, kept}) {
    auto done = cluster.WaitForSearch(id, absl::Minutes(3));
    ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  }
  auto reason = [&](int64_t search) {
    pqxx::work txn(conn);
    const pqxx::row row = txn.exec_params1(
        "SELECT i.state || ': ' || COALESCE(i.failure_reason, '') FROM individuals i "
        "WHERE i.search_id = $1",
        search);
    return row[0].as<std::string>();
  };
  EXPECT_THAT(reason(oom), HasSubstr("failed: out of memory"));
  EXPECT_THAT(reason(diverged), HasSubstr("non-finite loss"));
  EXPECT_EQ(reason(kept), "evaluated: ") << cluster.Logs();
  const std::string kept_attempt =
      absl::StrCat("(SELECT id FROM jobs WHERE search_id = ", kept, ")");
  EXPECT_EQ(One(conn, "SELECT attempt FROM jobs WHERE id = " + kept_attempt), 1);
  // The three failed attempts ran in the other slot while the kept job's
  // one attempt was open.
  EXPECT_EQ(One(conn, "SELECT count(*) FROM job_attempts f JOIN job_attempts k ON k.job_id = " +
                          kept_attempt +
                          " WHERE f.outcome = 'failed' AND f.leased_at > k.leased_at "
                          "AND f.ended_at < k.ended_at"),
            3)
      << cluster.Logs();
  EXPECT_TRUE(cluster.worker(0).running());
  EXPECT_EQ(cluster.worker(0).pid(), worker_pid);
}

TEST(WorkerSlotsTest, ASearchCancelledInOneSlotLeavesTheOtherSlotsJobRunning) {
  testing::LocalCluster cluster("slot_cancelled");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--slots=2"});
  const pid_t worker_pid = cluster.worker(0).pid();
  v1::SearchSpec slow = Spec("cancelled", 60);
  slow.set_lease_seconds(6);  // Heartbeats every 2 s: the cancel is seen soon.
  ASSERT_OK_AND_ASSIGN(const int64_t cancelled, cluster.CreateSearch(slow));
  ASSERT_OK_AND_ASSIGN(const int64_t kept, cluster.CreateSearch(Spec("kept", 8)));

  pqxx::connection conn(cluster.dsn());
  ASSERT_EQ(WaitUntilAtLeast(conn, LeasedBy("w1"), 2, absl::Minutes(2)), 2) << cluster.Logs();
  {
    grpc::ClientContext context;
    v1::CancelSearchRequest request;
    request.set_search_id(cancelled);
    v1::Search out;
    const grpc::Status status = cluster.SearchStub()->CancelSearch(&context, request, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  auto done = cluster.WaitForSearch(kept, absl::Minutes(3));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done->evaluations_done(), 1) << cluster.Logs();

  // The cancelled slot gave its job up and reported nothing ...
  const std::string cancelled_job = absl::StrCat(" FROM jobs WHERE search_id = ", cancelled);
  EXPECT_EQ(One(conn, "SELECT count(*)" + cancelled_job + " AND state = 'cancelled'"), 1);
  EXPECT_EQ(One(conn,
                "SELECT count(*) FROM job_attempts WHERE outcome = 'reported' AND job_id IN "
                "(SELECT id" +
                    cancelled_job + ")"),
            0);
  EXPECT_THAT(WaitForLog(cluster.worker(0), "abandoned: search cancelled"),
              HasSubstr("abandoned: search cancelled"));
  // ... while the other slot's job ran to its report on its first lease.
  EXPECT_EQ(One(conn, absl::StrCat("SELECT attempt FROM jobs WHERE search_id = ", kept)), 1);

  // Both slots go on serving: a new search of two jobs runs on them.
  ASSERT_OK_AND_ASSIGN(const int64_t next, cluster.CreateSearch(Spec("next", 2, 2)));
  auto next_done = cluster.WaitForSearch(next, absl::Minutes(3));
  ASSERT_TRUE(next_done.ok()) << next_done.status() << cluster.Logs();
  EXPECT_EQ(next_done->evaluations_done(), 2) << cluster.Logs();
  EXPECT_TRUE(cluster.worker(0).running());
  EXPECT_EQ(cluster.worker(0).pid(), worker_pid);
}

TEST(WorkerSlotsTest, ALostLeaseIsFencedWhileTheOtherSlotsJobCompletes) {
  const int metrics_port = testing::FreePort();
  testing::LocalCluster cluster("slot_lease_lost");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0,
                      {"--slots=2", absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port)});
  // A long lease, so that the slot sends no heartbeat before it finishes and
  // learns of the loss only when its report is refused.
  v1::SearchSpec lost = Spec("lease lost", 40);
  lost.set_lease_seconds(600);
  ASSERT_OK_AND_ASSIGN(const int64_t lost_id, cluster.CreateSearch(lost));
  ASSERT_OK_AND_ASSIGN(const int64_t kept, cluster.CreateSearch(Spec("kept", 20)));

  pqxx::connection conn(cluster.dsn());
  ASSERT_EQ(WaitUntilAtLeast(conn, LeasedBy("w1"), 2, absl::Minutes(2)), 2) << cluster.Logs();
  const std::string lost_job =
      absl::StrCat("(SELECT id FROM jobs WHERE search_id = ", lost_id, ")");
  {
    // The lease runs out as if the slot had stopped heartbeating; the
    // controller's reaper returns the job to the queue (attempt 1 expired).
    pqxx::work txn(conn);
    txn.exec("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = " +
             lost_job);
    txn.commit();
  }
  ASSERT_EQ(WaitUntilAtLeast(conn,
                             "SELECT count(*) FROM job_attempts WHERE outcome = 'expired' AND "
                             "job_id = " +
                                 lost_job,
                             1, absl::Seconds(30)),
            1)
      << "the slot finished before its lease was reclaimed: make the job longer\n"
      << cluster.Logs();

  auto kept_done = cluster.WaitForSearch(kept, absl::Minutes(3));
  ASSERT_TRUE(kept_done.ok()) << kept_done.status() << cluster.Logs();
  EXPECT_EQ(kept_done->evaluations_done(), 1) << cluster.Logs();
  auto lost_done = cluster.WaitForSearch(lost_id, absl::Minutes(3));
  ASSERT_TRUE(lost_done.ok()) << lost_done.status() << cluster.Logs();
  // The stale slot's report was refused; the job ran again and counts once.
  EXPECT_EQ(lost_done->evaluations_done(), 1) << cluster.Logs();
  EXPECT_THAT(cluster.worker(0).Log(), HasSubstr("attempt 1 report refused: FAILED_PRECONDITION"));
  EXPECT_EQ(One(conn, "SELECT attempt FROM jobs WHERE id = " + lost_job), 2);
  EXPECT_EQ(One(conn,
                "SELECT count(*) FROM job_attempts WHERE attempt = 2 AND outcome = "
                "'reported' AND job_id = " +
                    lost_job),
            1);
  EXPECT_EQ(One(conn, absl::StrCat("SELECT attempt FROM jobs WHERE search_id = ", kept)), 1);
  EXPECT_EQ(One(conn, absl::StrCat("SELECT count(*) FROM individuals WHERE search_id = ", lost_id,
                                   " AND state = 'evaluated'")),
            1);
  // The worker counts the refused report as such, not as an evaluation.
  EXPECT_EQ(WaitForMetric(metrics_port, R"(nas_worker_jobs_total{outcome="evaluated"})", 2), 2);
  EXPECT_EQ(Metric(metrics_port, R"(nas_worker_jobs_total{outcome="refused"})"), 1);
}

// --slots=auto that measures its first job, run on the CPU: the one figure
// only a GPU gives (the memory the worker holds after that job) is replaced
// by --slots_after_first_job_for_testing=2, the slot count it would yield;
// the rest is the path a CUDA worker takes.
TEST(WorkerSlotsTest, AProbingWorkerOpensMoreSlotsOnceItsFirstJobHasTrained) {
  const int metrics_port = testing::FreePort();
  testing::LocalCluster cluster("slots_after_probe");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0,
                      {"--slots=auto", "--slots_after_first_job_for_testing=2",
                       absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port)});
  const int budget = 4;
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(Spec("probe, then two", 6, budget)));

  // While the first job trains: one slot, declared and counted.
  pqxx::connection conn(cluster.dsn());
  ASSERT_EQ(WaitUntilAtLeast(conn, LeasedBy("w1"), 1, absl::Minutes(2)), 1) << cluster.Logs();
  EXPECT_EQ(One(conn, "SELECT slots FROM workers WHERE id = 'w1'"), 1);
  EXPECT_EQ(Metric(metrics_port, "nas_worker_slots"), 1);
  ASSERT_EQ(One(conn, "SELECT count(*) FROM job_attempts WHERE ended_at IS NOT NULL"), 0)
      << "the first job ended before it was seen running: make it longer\n"
      << cluster.Logs();

  // Once it has: two leases at once.
  EXPECT_EQ(WaitUntilAtLeast(conn, LeasedBy("w1"), 2, absl::Minutes(2)), 2) << cluster.Logs();
  // Every lease declares 2 from then on, the first slot's too: a lease
  // declaring 1 would write 1 back into the row (it is written whenever a
  // lease's WorkerInfo differs from what was written last).
  int64_t least_declared = One(conn, "SELECT slots FROM workers WHERE id = 'w1'");
  const absl::Time deadline = absl::Now() + absl::Minutes(4);
  while (One(conn, "SELECT count(*) FROM jobs WHERE state = 'done'") < budget &&
         absl::Now() < deadline) {
    least_declared =
        std::min(least_declared, One(conn, "SELECT slots FROM workers WHERE id = 'w1'"));
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(least_declared, 2) << cluster.Logs();
  auto done = cluster.WaitForSearch(id, absl::Minutes(1));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done->evaluations_done(), budget) << cluster.Logs();
  EXPECT_EQ(One(conn, "SELECT slots FROM workers WHERE id = 'w1'"), 2);

  // Recorded: no other attempt was leased before the first one ended.
  EXPECT_EQ(One(conn,
                "SELECT count(*) FROM job_attempts WHERE leased_at < "
                "(SELECT min(ended_at) FROM job_attempts)"),
            1);
  // Each job leased once and reported once, and counted once by the worker.
  EXPECT_EQ(One(conn, "SELECT count(*) FROM jobs WHERE state = 'done' AND attempt = 1"), budget);
  EXPECT_EQ(One(conn,
                "SELECT count(*) FROM job_attempts WHERE worker_id = 'w1' AND "
                "outcome = 'reported'"),
            budget);
  EXPECT_EQ(WaitForMetric(metrics_port, R"(nas_worker_jobs_total{outcome="evaluated"})", budget),
            budget);
  EXPECT_EQ(Metric(metrics_port, "nas_worker_slots"), 2);
  const std::string log = cluster.worker(0).Log();
  EXPECT_THAT(log, HasSubstr("1 slot(s)"));
  EXPECT_THAT(log, HasSubstr("w1: --slots_after_first_job_for_testing=2; 2 slot(s)"));
  EXPECT_THAT(log, HasSubstr("w1: opened 1 more slot(s), 2 in all"));
  EXPECT_THAT(log, HasSubstr("w1 slot 1: job"));

  // SIGTERM stops the opened slot as well as the first: both running jobs
  // are handed back and the process exits 0 (its threads all joined).
  v1::SearchSpec long_jobs = Spec("stopped", 60, 2);
  long_jobs.set_lease_seconds(60);
  ASSERT_OK_AND_ASSIGN(const int64_t stopped, cluster.CreateSearch(long_jobs));
  ASSERT_EQ(WaitUntilAtLeast(conn, LeasedBy("w1"), 2, absl::Minutes(2)), 2) << cluster.Logs();
  const absl::Time sigterm = absl::Now();
  const int status = cluster.worker(0).Stop(/*grace_ms=*/10000);
  ASSERT_TRUE(WIFEXITED(status)) << cluster.worker(0).DescribeExit() << cluster.Logs();
  EXPECT_EQ(WEXITSTATUS(status), 0) << cluster.Logs();
  EXPECT_LT(absl::Now() - sigterm, absl::Seconds(5)) << cluster.Logs();
  EXPECT_EQ(One(conn, absl::StrCat("SELECT count(*) FROM job_attempts WHERE outcome = 'released' "
                                   "AND job_id IN (SELECT id FROM jobs WHERE search_id = ",
                                   stopped, ")")),
            2)
      << cluster.Logs();
}

}  // namespace
}  // namespace nas
