// The controller's and a worker's Prometheus endpoints, scraped by Debian's
// real Prometheus server and read back through its query API.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/search_quality/quality_runner.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

// The value of an instant PromQL query with one result, or NaN.
double Query(int prometheus_port, const std::string& promql) {
  const std::string json =
      testing::RunCommand(absl::StrCat("curl -s --get --data-urlencode 'query=", promql,
                                       "' http://127.0.0.1:", prometheus_port, "/api/v1/query"))
          .output;
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]"))) return NAN;
  return std::stod(m[1]);
}

// Waits until `url` answers, or `process` (which serves it) exits.
bool WaitForEndpoint(const std::string& url, testing::ChildProcess& process) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (process.running() && absl::Now() < deadline) {
    if (testing::RunCommand("curl -sf -o /dev/null " + url).exit_status == 0) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

TEST(MetricsTest, PrometheusScrapesControllerAndWorker) {
  // Neither the metrics endpoints nor Prometheus can report a port they chose
  // themselves: FreePort() it is. A port taken meanwhile makes that process
  // exit, and the test fails below naming it.
  const int controller_metrics = testing::FreePort();
  const int worker_metrics = testing::FreePort();
  const int prometheus_port = testing::FreePort();
  testing::LocalCluster cluster("metrics");
  ASSERT_OK(
      cluster.StartController({absl::StrCat("--metrics_listen=127.0.0.1:", controller_metrics)}));
  cluster.StartWorker("w1", 0,
                      {"--job_kinds=table_lookup",
                       absl::StrCat("--metrics_listen=127.0.0.1:", worker_metrics)});
  ASSERT_TRUE(WaitForEndpoint(absl::StrCat("http://127.0.0.1:", worker_metrics, "/metrics"),
                              cluster.worker(0)))
      << "worker metrics endpoint: worker " << cluster.worker(0).DescribeExit() << "\n"
      << cluster.Logs();
  const int budget = 40;
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(NasBench201Spec(
                                             testing::NasBench201Table(), budget, 5, 2, true)));
  auto done = cluster.WaitForSearch(id, absl::Minutes(2));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();

  const std::string dir = testing::RequiredEnv("TEST_TMPDIR");
  std::ofstream(dir + "/prometheus.yml") << absl::StrCat(
      "global: {scrape_interval: 1s}\n"
      "scrape_configs:\n"
      "  - job_name: nas\n"
      "    static_configs:\n"
      "      - targets: ['127.0.0.1:", controller_metrics, "', '127.0.0.1:", worker_metrics,
      "']\n");
  testing::ChildProcess prometheus(
      {"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml",
       "--storage.tsdb.path=" + dir + "/tsdb",
       absl::StrCat("--web.listen-address=127.0.0.1:", prometheus_port)},
      dir + "/prometheus.log");

  // What the endpoints must say once the search ended. Prometheus scrapes
  // every second and the controller refreshes its gauges every 500 ms: poll
  // until every value holds, then check each.
  const std::vector<std::pair<std::string, double>> expected = {
      {"nas_controller_leases_granted_total", budget},
      {"nas_controller_evaluations_total", budget},
      {"nas_worker_jobs_total{outcome=\"evaluated\"}", budget},
      {"nas_worker_job_duration_seconds_count", budget},
      {"nas_queue_depth", 0},
      {"nas_jobs_leased", 0},
      {absl::StrCat("nas_search_best_fitness{search=\"", id, "\"}"), done->best().fitness()},
  };
  const auto holds = [&](const std::pair<std::string, double>& e) {
    return std::abs(Query(prometheus_port, e.first) - e.second) <= 1e-6;
  };
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (prometheus.running() && absl::Now() < deadline &&
         !std::all_of(expected.begin(), expected.end(), holds)) {
    absl::SleepFor(absl::Milliseconds(500));
  }
  ASSERT_TRUE(prometheus.running()) << "prometheus " << prometheus.DescribeExit() << ":\n"
                                    << prometheus.LogTail();
  for (const auto& [promql, value] : expected) {
    EXPECT_NEAR(Query(prometheus_port, promql), value, 1e-6)
        << promql << "\n"
        << testing::RunCommand(
               absl::StrCat("curl -s http://127.0.0.1:", prometheus_port, "/api/v1/targets"))
               .output;
  }
  EXPECT_GT(Query(prometheus_port, "nas_worker_busy_seconds_total"), 0);
  prometheus.Stop();
}

}  // namespace
}  // namespace nas
