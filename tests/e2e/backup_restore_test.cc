// Backing up and restoring, as docs/operations.md#backing-up-and-restoring
// tells an operator: pg_dump of a running search's database, restored into a
// fresh database, on which a new controller and new workers finish the
// search with the invariants holding and the restored results unchanged.
#include <map>

#include "absl/strings/str_cat.h"
#include "bench/search_quality/quality_runner.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/child_process.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/population_invariants.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

const std::vector<std::string> kTableWorker = {"--job_kinds=table_lookup"};

int Query(const std::string& dsn, const std::string& sql) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  return txn.exec1(sql)[0].as<int>();
}

// Evaluated individuals by id, with their fitness.
std::map<int64_t, double> Evaluated(const std::string& dsn) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  std::map<int64_t, double> out;
  for (const auto& row :
       txn.exec("SELECT id, fitness FROM individuals WHERE state = 'evaluated'")) {
    out[row[0].as<int64_t>()] = row[1].as<double>();
  }
  return out;
}

TEST(BackupRestoreTest, DumpMidSearchRestoredIntoFreshDatabaseFinishesTheSearch) {
  const int budget = 300, population = 10;
  const std::string dump_dir = testing::RequiredEnv("TEST_TMPDIR");
  int64_t id = 0;
  {
    testing::LocalCluster original("backup_original");
    ASSERT_OK(original.StartController());
    for (int w = 0; w < 2; ++w) original.StartWorker(absl::StrCat("w", w), 0, kTableWorker);
    ASSERT_OK_AND_ASSIGN(id, original.CreateSearch(NasBench201Spec(testing::NasBench201Table(),
                                                                   budget, population, 3, true)));
    const absl::Time deadline = absl::Now() + absl::Minutes(1);
    while (Query(original.dsn(), "SELECT evaluations_done FROM searches") < 50 &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    // The backup, taken while the workers lease and report.
    // The command docs/operations.md shows, in the dump's directory.
    const testing::CommandResult dumped = testing::RunCommand(
        absl::StrCat("cd '", dump_dir, "' && DSN='", original.dsn(), "' && ",
                     R"(pg_dump --format=custom --file=nas.dump --dbname="$DSN")", " 2>&1"));
    ASSERT_EQ(dumped.exit_status, 0) << dumped.output;
  }  // The original site is lost: its processes and its database are gone.

  testing::LocalCluster restored("backup_restored");
  const testing::CommandResult restore = testing::RunCommand(absl::StrCat(
      "cd '", dump_dir, "' && NEW_DSN='", restored.dsn(), "' && ",
      R"(pg_restore --no-owner --exit-on-error --dbname="$NEW_DSN" nas.dump)", " 2>&1"));
  ASSERT_EQ(restore.exit_status, 0) << restore.output;
  const std::map<int64_t, double> before = Evaluated(restored.dsn());
  ASSERT_GT(before.size(), 0u) << "the dump holds no result";
  ASSERT_LT(static_cast<int>(before.size()), budget) << "the dump came too late to test anything";

  ASSERT_OK(restored.StartController());
  for (int w = 0; w < 2; ++w) restored.StartWorker(absl::StrCat("r", w), 0, kTableWorker);
  auto done = restored.WaitForSearch(id, absl::Minutes(3));
  ASSERT_TRUE(done.ok()) << done.status() << restored.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  testing::ExpectSearchInvariants(restored.dsn(), id, budget, population);
  // The search went on from the backup: every restored result is still there, unchanged.
  const std::map<int64_t, double> after = Evaluated(restored.dsn());
  for (const auto& [individual, fitness] : before) {
    ASSERT_TRUE(after.count(individual)) << "individual " << individual << " lost";
    EXPECT_EQ(after.at(individual), fitness) << "individual " << individual;
  }
}

}  // namespace
}  // namespace nas
