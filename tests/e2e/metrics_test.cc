// The controller's and a worker's Prometheus endpoints, scraped by Debian's
// real Prometheus server and read back through its query API.
#include <fstream>
#include <regex>

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

TEST(MetricsTest, PrometheusScrapesControllerAndWorker) {
  const int controller_metrics = testing::FreePort();
  const int worker_metrics = testing::FreePort();
  const int prometheus_port = testing::FreePort();
  testing::LocalCluster cluster("metrics");
  ASSERT_OK(
      cluster.StartController({absl::StrCat("--metrics_listen=127.0.0.1:", controller_metrics)}));
  cluster.StartWorker("w1", 0,
                      {"--job_kinds=table_lookup",
                       absl::StrCat("--metrics_listen=127.0.0.1:", worker_metrics)});
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

  // Wait until both targets have been scraped after the search ended.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline &&
         !(Query(prometheus_port, "nas_controller_evaluations_total") == budget &&
           Query(prometheus_port, "sum(nas_worker_jobs_total)") == budget)) {
    absl::SleepFor(absl::Milliseconds(500));
  }
  EXPECT_EQ(Query(prometheus_port, "nas_controller_leases_granted_total"), budget)
      << testing::RunCommand(
             absl::StrCat("curl -s http://127.0.0.1:", prometheus_port, "/api/v1/targets"))
             .output;
  EXPECT_EQ(Query(prometheus_port, "nas_controller_evaluations_total"), budget);
  EXPECT_EQ(Query(prometheus_port, "nas_worker_jobs_total{outcome=\"evaluated\"}"), budget);
  EXPECT_EQ(Query(prometheus_port, "nas_worker_job_duration_seconds_count"), budget);
  EXPECT_GT(Query(prometheus_port, "nas_worker_busy_seconds_total"), 0);
  EXPECT_EQ(Query(prometheus_port, "nas_queue_depth"), 0);
  EXPECT_EQ(Query(prometheus_port, "nas_jobs_leased"), 0);
  EXPECT_NEAR(Query(prometheus_port, absl::StrCat("nas_search_best_fitness{search=\"", id, "\"}")),
              done->best().fitness(), 1e-6);
  prometheus.Stop();
}

}  // namespace
}  // namespace nas
