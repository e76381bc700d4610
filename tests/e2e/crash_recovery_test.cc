// A search survives crashes: workers, controllers and PostgreSQL are killed
// mid-search, and every result is recorded exactly once.
#include <sys/stat.h>

#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/search_quality/quality_runner.h"
#include "common/status/grpc_status.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/worker_service.grpc.pb.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/population_invariants.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

const std::vector<std::string> kTableWorker = {"--job_kinds=table_lookup"};

// Digits training with short leases and room for retries, so killed
// workers' jobs come back quickly.
v1::SearchSpec DigitsSpec(int budget, int epochs, bool aging) {
  v1::SearchSpec spec = testing::DigitsSpec(epochs);
  if (aging) {
    spec.mutable_strategy()->mutable_aging_evolution()->set_population_size(6);
    spec.mutable_strategy()->mutable_aging_evolution()->set_sample_size(2);
  }
  spec.set_budget(budget);
  spec.set_seed(3);
  spec.set_lease_seconds(5);
  spec.set_max_attempts(6);
  spec.mutable_dataset()->set_train_examples(1000);
  return spec;
}

int Query(const std::string& dsn, const std::string& sql) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  return txn.exec1(sql)[0].as<int>();
}

// Polls until `sql` returns at least `at_least`.
bool WaitUntil(const std::string& dsn, const std::string& sql, int at_least,
               absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Query(dsn, sql) >= at_least) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

TEST(CrashRecoveryTest, WorkerKilledMidJobIsRerunElsewhereAndCountedOnce) {
  testing::LocalCluster cluster("worker_killed");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("doomed");
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(DigitsSpec(1, 60, false)));
  // Mid-training: the job is leased and a heartbeat has reported progress.
  ASSERT_TRUE(WaitUntil(cluster.dsn(),
                        "SELECT count(*) FROM jobs WHERE state = 'leased' AND progress > 0", 1,
                        absl::Seconds(60)))
      << cluster.Logs();
  cluster.worker(0).Kill();
  cluster.StartWorker("survivor");
  auto done = cluster.WaitForSearch(id, absl::Minutes(3));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->evaluations_done(), 1);

  pqxx::connection conn(cluster.dsn());
  {
    pqxx::work txn(conn);
    const pqxx::result attempts =
        txn.exec("SELECT attempt, worker_id, outcome FROM job_attempts ORDER BY attempt");
    ASSERT_EQ(attempts.size(), 2u);
    EXPECT_EQ(attempts[0][1].as<std::string>(), "doomed");
    EXPECT_EQ(attempts[0][2].as<std::string>(), "expired");
    EXPECT_EQ(attempts[1][1].as<std::string>(), "survivor");
    EXPECT_EQ(attempts[1][2].as<std::string>(), "reported");
  }
  // The dead attempt's report arrives late: refused, and nothing changes.
  auto stub = v1::WorkerService::NewStub(
      grpc::CreateChannel(cluster.controller_address(0), grpc::InsecureChannelCredentials()));
  v1::ReportResultRequest late;
  late.set_worker_id("doomed");
  late.set_job_id(Query(cluster.dsn(), "SELECT id FROM jobs"));
  late.set_attempt(1);
  late.mutable_result()->set_fitness(0.999);
  v1::ReportResultResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(stub->ReportResult(&context, late, &response).error_code(), grpc::FAILED_PRECONDITION);
  testing::ExpectSearchInvariants(cluster.dsn(), id, 1, 0);
  EXPECT_EQ(Query(cluster.dsn(), "SELECT count(*) FROM individuals WHERE fitness > 0.99"), 0);
}

TEST(CrashRecoveryTest, ControllerKilledAndRestartedMidSearch) {
  testing::LocalCluster cluster("controller_killed");
  ASSERT_OK(cluster.StartController());
  for (int w = 0; w < 3; ++w) cluster.StartWorker(absl::StrCat("w", w), 0, kTableWorker);
  const int budget = 400, population = 10;
  ASSERT_OK_AND_ASSIGN(const int64_t id,
                       cluster.CreateSearch(NasBench201Spec(testing::NasBench201Table(), budget,
                                                            population, 3, true)));
  ASSERT_TRUE(
      WaitUntil(cluster.dsn(), "SELECT evaluations_done FROM searches", 100, absl::Minutes(1)))
      << cluster.Logs();
  cluster.controller(0).Kill();
  const int at_kill = Query(cluster.dsn(), "SELECT evaluations_done FROM searches");
  EXPECT_LT(at_kill, budget) << "the kill came too late to test anything";
  absl::SleepFor(absl::Seconds(1));  // Down a while: workers find it gone.
  ASSERT_OK(cluster.RestartController(0));
  auto done = cluster.WaitForSearch(id, absl::Minutes(3));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  testing::ExpectSearchInvariants(cluster.dsn(), id, budget, population);
}

TEST(CrashRecoveryTest, OneOfTwoControllersKilledWorkersFailOver) {
  testing::LocalCluster cluster("two_controllers_one_killed");
  ASSERT_OK(cluster.StartController());
  ASSERT_OK(cluster.StartController());
  for (int w = 0; w < 4; ++w) {
    cluster.StartWorkerOnAllControllers(absl::StrCat("w", w), kTableWorker);
  }
  const int budget = 400, population = 10;
  ASSERT_OK_AND_ASSIGN(
      const int64_t id,
      cluster.CreateSearch(
          NasBench201Spec(testing::NasBench201Table(), budget, population, 3, true), 1));
  ASSERT_TRUE(
      WaitUntil(cluster.dsn(), "SELECT evaluations_done FROM searches", 100, absl::Minutes(1)))
      << cluster.Logs();
  cluster.controller(0).Kill();  // Not restarted: controller 1 carries on.
  auto done = cluster.WaitForSearch(id, absl::Minutes(3), 1);
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  testing::ExpectSearchInvariants(cluster.dsn(), id, budget, population);
}

// A PostgreSQL server of the test's own, stopped and deleted when the guard
// goes out of scope: also when an assertion ends the test early.
class PrivatePostgres {
 public:
  PrivatePostgres() : script_(testing::RunfilePath("scripts/throwaway_pg.sh")) {
    char dir_template[] = "/tmp/nas-pg-restart.XXXXXX";
    if (mkdtemp(dir_template) != nullptr) dir_ = dir_template;
  }
  ~PrivatePostgres() {
    if (!dir_.empty())
      testing::RunCommand("bash " + script_ + " stop " + dir_ + "/pg; rm -rf " + dir_);
  }
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  // Starts the server with synchronous commits, so an acknowledged commit
  // survives a crash-stop, as on a production server (the shared test server
  // trades that for speed). Returns its admin DSN.
  absl::StatusOr<std::string> Start() {
    if (dir_.empty()) return absl::InternalError("mkdtemp: cannot create a directory in /tmp");
    chmod(dir_.c_str(), 0755);  // The server may run as the `postgres` user.
    const std::string dsn_file = dir_ + "/dsn";
    const testing::CommandResult started =
        testing::RunCommand("THROWAWAY_PG_SYNCHRONOUS_COMMIT=on bash " + script_ + " start " +
                            dir_ + "/pg > " + dsn_file);
    if (started.exit_status != 0) {
      return absl::UnavailableError("throwaway_pg.sh start: " + started.output);
    }
    const std::string dsn = testing::WaitForFile(dsn_file, 1000);
    if (dsn.empty()) return absl::InternalError("throwaway_pg.sh start printed no DSN");
    return dsn;
  }

  // Crash-stops the server and starts it again after `down_seconds`.
  absl::Status Restart(int down_seconds) {
    const testing::CommandResult restarted = testing::RunCommand(
        absl::StrCat("bash ", script_, " restart ", dir_, "/pg ", down_seconds));
    if (restarted.exit_status != 0) {
      return absl::UnavailableError("throwaway_pg.sh restart: " + restarted.output);
    }
    return absl::OkStatus();
  }

 private:
  std::string script_;
  std::string dir_;
};

TEST(CrashRecoveryTest, PostgresRestartedMidSearch) {
  // Declared first: the cluster (its database, its processes) goes before
  // the server it runs on.
  PrivatePostgres postgres;
  ASSERT_OK_AND_ASSIGN(const std::string admin_dsn, postgres.Start());
  testing::LocalCluster cluster("postgres_restarted", admin_dsn);
  ASSERT_OK(cluster.StartController());
  for (int w = 0; w < 2; ++w) cluster.StartWorker(absl::StrCat("w", w), 0, kTableWorker);
  const int budget = 300, population = 10;
  ASSERT_OK_AND_ASSIGN(const int64_t id,
                       cluster.CreateSearch(NasBench201Spec(testing::NasBench201Table(), budget,
                                                            population, 3, true)));
  ASSERT_TRUE(
      WaitUntil(cluster.dsn(), "SELECT evaluations_done FROM searches", 60, absl::Minutes(1)))
      << cluster.Logs();
  ASSERT_OK(postgres.Restart(3));
  auto done = cluster.WaitForSearch(id, absl::Minutes(3));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  testing::ExpectSearchInvariants(cluster.dsn(), id, budget, population);
}

}  // namespace
}  // namespace nas
