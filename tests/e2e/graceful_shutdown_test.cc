// A worker told to stop (SIGTERM: a pod evicted or scaled down) hands its
// running job back: another worker takes it within seconds, not when the
// lease expires, and the hand-back uses up none of the job's attempts.
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "pqxx/pqxx"
#include "tests/testing/local_cluster.h"
#include "tests/testing/population_invariants.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

// The first row of `sql`'s result as text, or "" when it has none.
std::string QueryText(const std::string& dsn, const std::string& sql) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  const pqxx::result rows = txn.exec(sql);
  if (rows.empty() || rows[0][0].is_null()) return "";
  return rows[0][0].as<std::string>();
}

// Polls until `sql` returns a non-empty value; returns it, or "" on timeout.
std::string WaitForText(const std::string& dsn, const std::string& sql, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (std::string text = QueryText(dsn, sql); !text.empty()) return text;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return "";
}

TEST(GracefulShutdownTest, StoppedWorkerHandsItsJobBackWithoutUsingAnAttempt) {
  testing::LocalCluster cluster("graceful_shutdown");
  ASSERT_OK(cluster.StartController());
  // Each worker serves its probes' endpoint, as deploy/k8s starts it.
  const int health_ports[] = {testing::FreePort(), testing::FreePort()};
  for (int w : {0, 1}) {
    cluster.StartWorker(absl::StrCat("w", w), 0,
                        {absl::StrCat("--health_listen=127.0.0.1:", health_ports[w])});
  }
  // One job, long enough to be stopped mid-training. A 60 s lease: waiting
  // for it to expire would fail the timing below. One attempt: had the
  // hand-back counted, the job could not run again.
  v1::SearchSpec spec = testing::DigitsSpec(/*epochs=*/40);
  spec.set_name("graceful shutdown");
  spec.set_lease_seconds(60);
  spec.set_max_attempts(1);
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));

  // Mid-job: the holder logged its second epoch (of many).
  int stopped = -1;
  const absl::Time deadline = absl::Now() + absl::Minutes(2);
  while (stopped < 0 && absl::Now() < deadline) {
    for (int w : {0, 1}) {
      if (cluster.worker(w).Log().find("epoch 2/") != std::string::npos) stopped = w;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_GE(stopped, 0) << "no epoch trained" << cluster.Logs();
  const std::string holder = stopped == 0 ? "w0" : "w1";
  const std::string other = stopped == 0 ? "w1" : "w0";
  ASSERT_EQ(QueryText(cluster.dsn(), "SELECT lease_owner FROM jobs"), holder) << cluster.Logs();

  for (int w : {0, 1}) {  // Both run their loop and reached the controller.
    httplib::Client probe("127.0.0.1", health_ports[w]);
    for (const char* path : {"/healthz", "/readyz"}) {
      auto answer = probe.Get(path);
      ASSERT_TRUE(answer) << "worker " << w << " does not serve " << path << cluster.Logs();
      EXPECT_EQ(answer->status, 200) << "worker " << w << " " << path << ": " << answer->body;
    }
  }

  const absl::Time sigterm = absl::Now();
  const int status = cluster.worker(stopped).Stop(/*grace_ms=*/10000);
  const absl::Duration exit_took = absl::Now() - sigterm;
  ASSERT_TRUE(WIFEXITED(status)) << cluster.worker(stopped).DescribeExit() << cluster.Logs();
  EXPECT_EQ(WEXITSTATUS(status), 0) << cluster.Logs();
  EXPECT_LT(exit_took, absl::Seconds(5)) << cluster.Logs();

  // The other worker holds it within seconds: far less than the lease.
  const std::string released_to = WaitForText(
      cluster.dsn(),
      absl::StrCat("SELECT lease_owner FROM jobs WHERE state = 'leased' AND lease_owner = '", other,
                   "'"),
      absl::Seconds(5));
  EXPECT_EQ(released_to, other) << "not re-leased within 5 s of SIGTERM" << cluster.Logs();

  auto done = cluster.WaitForSearch(id, absl::Minutes(3));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED) << cluster.Logs();
  EXPECT_EQ(QueryText(cluster.dsn(),
                      "SELECT string_agg(worker_id || ':' || outcome, ',' ORDER BY attempt) "
                      "FROM job_attempts"),
            absl::StrCat(holder, ":released,", other, ":reported"));
  EXPECT_EQ(QueryText(cluster.dsn(), "SELECT state FROM individuals"), "evaluated");
  EXPECT_NE(cluster.worker(stopped).Log().find("handed back"), std::string::npos)
      << cluster.worker(stopped).Log();
  testing::ExpectSearchInvariants(cluster.dsn(), id, /*budget=*/1, /*population=*/0);
}

}  // namespace
}  // namespace nas
