// Long-poll leases across processes: two controllers on one database, real
// workers. A worker waiting on controller A is handed the job of a search
// submitted through controller B at once (PostgreSQL LISTEN/NOTIFY), an idle
// worker asks about once per wait bound, and a wait holds up neither a
// stopping worker nor a stopping controller.
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/search_quality/quality_runner.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "pqxx/pqxx"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

// nas_controller_lease_requests_total of the controller whose metrics are on
// `port`; -1 if it cannot be read.
double LeaseRequests(int port) {
  httplib::Client client("127.0.0.1", port);
  auto answer = client.Get("/metrics");
  if (!answer || answer->status != 200) return -1;
  for (absl::string_view line : absl::StrSplit(answer->body, '\n')) {
    if (absl::ConsumePrefix(&line, "nas_controller_lease_requests_total ")) {
      double value = -1;
      return absl::SimpleAtod(line, &value) ? value : -1;
    }
  }
  return -1;
}

// Polls until controller metrics on `port` count at least `n` lease requests.
bool WaitForLeaseRequests(int port, double n, absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    if (LeaseRequests(port) >= n) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

// Polls until some job has been leased; returns when, or InfinitePast().
absl::Time WaitForFirstLease(const std::string& dsn, absl::Duration timeout) {
  pqxx::connection conn(dsn);
  const absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    pqxx::nontransaction txn(conn);
    if (txn.exec("SELECT 1 FROM job_attempts").size() > 0) return absl::Now();
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::InfinitePast();
}

TEST(LongPollLeaseTest, WorkerWaitingOnOneControllerGetsTheSearchSubmittedThroughAnother) {
  const int metrics_a = testing::FreePort();
  testing::LocalCluster cluster("long_poll_two_controllers");
  ASSERT_OK(cluster.StartController({absl::StrCat("--metrics_listen=127.0.0.1:", metrics_a)}));
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=table_lookup", "--lease_wait_ms=20000"});
  ASSERT_TRUE(WaitForLeaseRequests(metrics_a, 1, absl::Seconds(30)))
      << "the worker never asked controller 0" << cluster.Logs();
  absl::SleepFor(absl::Seconds(1));  // Well inside its 20 s wait now.
  const double asked = LeaseRequests(metrics_a);

  const absl::Time submitted = absl::Now();
  ASSERT_OK_AND_ASSIGN(const int64_t id,
                       cluster.CreateSearch(NasBench201Spec(testing::NasBench201Table(),
                                                            /*budget=*/4, 2, 2, true),
                                            /*i=*/1));
  const absl::Time leased = WaitForFirstLease(cluster.dsn(), absl::Seconds(30));
  ASSERT_NE(leased, absl::InfinitePast()) << "no job leased" << cluster.Logs();
  EXPECT_LT(leased - submitted, absl::Seconds(3)) << "the 20 s wait was not cut short";
  // Handed the job by the call that was waiting, not by polling again.
  EXPECT_LE(LeaseRequests(metrics_a) - asked, 1);
  auto done = cluster.WaitForSearch(id, absl::Minutes(2), 1);
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED) << cluster.Logs();
}

TEST(LongPollLeaseTest, IdleWorkerAsksAboutOncePerWaitBound) {
  const int metrics = testing::FreePort();
  testing::LocalCluster cluster("long_poll_idle");
  ASSERT_OK(cluster.StartController({absl::StrCat("--metrics_listen=127.0.0.1:", metrics)}));
  cluster.StartWorker("w1", 0, {"--job_kinds=table_lookup", "--lease_wait_ms=2000"});
  ASSERT_TRUE(WaitForLeaseRequests(metrics, 1, absl::Seconds(30))) << cluster.Logs();
  const double before = LeaseRequests(metrics);
  absl::SleepFor(absl::Seconds(8));
  const double asked = LeaseRequests(metrics) - before;
  // 8 s / 2 s = 4 (and one more at an edge); polling every 500 ms would be 16.
  EXPECT_GE(asked, 3) << cluster.Logs();
  EXPECT_LE(asked, 5) << cluster.Logs();
}

TEST(LongPollLeaseTest, WaitHoldsUpNeitherAStoppingWorkerNorAStoppingController) {
  const int metrics = testing::FreePort();
  testing::LocalCluster cluster("long_poll_shutdown");
  ASSERT_OK(cluster.StartController({absl::StrCat("--metrics_listen=127.0.0.1:", metrics)}));
  cluster.StartWorker("w1", 0, {"--job_kinds=table_lookup", "--lease_wait_ms=20000"});
  cluster.StartWorker("w2", 0, {"--job_kinds=table_lookup", "--lease_wait_ms=20000"});
  ASSERT_TRUE(WaitForLeaseRequests(metrics, 2, absl::Seconds(30))) << cluster.Logs();
  absl::SleepFor(absl::Seconds(1));

  absl::Time stopping = absl::Now();
  EXPECT_EQ(cluster.worker(0).Stop(/*grace_ms=*/15000), 0)
      << cluster.worker(0).DescribeExit() << cluster.worker(0).LogTail();
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(3)) << "the worker waited out its lease call";

  stopping = absl::Now();
  EXPECT_EQ(cluster.controller(0).Stop(/*grace_ms=*/15000), 0)
      << cluster.controller(0).DescribeExit() << cluster.controller(0).LogTail();
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(4)) << "the controller waited for the lease";
}

}  // namespace
}  // namespace nas
