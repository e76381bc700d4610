// Aging evolution through the real controller, table-lookup workers and
// PostgreSQL: it beats random search, it is reproducible, and two
// controllers serving one database keep the population invariants.
#include <map>

#include "absl/strings/str_cat.h"
#include "bench/search_quality/quality_runner.h"
#include "common/status/grpc_status.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/local_cluster.h"
#include "tests/testing/population_invariants.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

const std::vector<std::string> kTableWorker = {"--job_kinds=table_lookup"};

// Quick version of bench/search_quality.sh: fewer seeds, one worker (so each
// seed's run is deterministic and the test cannot flake on timing).
TEST(AgingEvolutionEndToEndTest, BeatsRandomSearchOnNasBench201) {
  testing::LocalCluster cluster("quality");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, kTableWorker);
  auto stub = cluster.SearchStub();
  const int seeds = 12;
  auto rea = RunSeeds(*stub, NasBench201Spec(testing::NasBench201Table(), 100, 10, 3, true), 1,
                      seeds, 6, absl::Minutes(5));
  ASSERT_TRUE(rea.ok()) << rea.status() << cluster.Logs();
  auto rs = RunSeeds(*stub, NasBench201Spec(testing::NasBench201Table(), 100, 10, 3, false), 1,
                     seeds, 6, absl::Minutes(5));
  ASSERT_TRUE(rs.ok()) << rs.status();
  // Reference simulation: REA 94.17 ± 0.22, RS 93.86 ± 0.23 (per run).
  EXPECT_GT(rea->mean, 93.9);
  EXPECT_GT(rea->mean, rs->mean);
  std::cout << "REA " << rea->mean << " ± " << rea->stddev << ", RS " << rs->mean << " ± "
            << rs->stddev << std::endl;
}

struct Birth {
  std::string genome;
  int parent_birth;
  std::string mutation;
  int64_t seed;
  bool operator==(const Birth& o) const {
    return genome == o.genome && parent_birth == o.parent_birth && mutation == o.mutation &&
           seed == o.seed;
  }
};

std::vector<Birth> Lineage(pqxx::work& txn, int64_t search_id) {
  std::vector<Birth> out;
  for (const auto& row :
       txn.exec_params("SELECT i.genome, COALESCE(p.birth_order, -1), i.mutation, i.seed "
                       "FROM individuals i LEFT JOIN individuals p ON p.id = i.parent_id "
                       "WHERE i.search_id = $1 ORDER BY i.birth_order",
                       search_id)) {
    out.push_back({row[0].as<std::string>(), row[1].as<int>(), row[2].as<std::string>(),
                   row[3].as<int64_t>()});
  }
  return out;
}

TEST(AgingEvolutionEndToEndTest, SameSeedGivesSameLineageWithOneWorker) {
  testing::LocalCluster cluster("reproducible");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, kTableWorker);
  const auto spec = [](uint64_t seed) {
    v1::SearchSpec s = NasBench201Spec(testing::NasBench201Table(), 40, 8, 3, true);
    s.set_seed(seed);
    return s;
  };
  ASSERT_OK_AND_ASSIGN(const int64_t a, cluster.CreateSearch(spec(5)));
  ASSERT_TRUE(cluster.WaitForSearch(a, absl::Minutes(2)).ok()) << cluster.Logs();
  ASSERT_OK_AND_ASSIGN(const int64_t b, cluster.CreateSearch(spec(5)));
  ASSERT_TRUE(cluster.WaitForSearch(b, absl::Minutes(2)).ok());
  ASSERT_OK_AND_ASSIGN(const int64_t c, cluster.CreateSearch(spec(6)));
  ASSERT_TRUE(cluster.WaitForSearch(c, absl::Minutes(2)).ok());

  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  const auto la = Lineage(txn, a), lb = Lineage(txn, b), lc = Lineage(txn, c);
  ASSERT_EQ(la.size(), 40u);
  EXPECT_TRUE(la == lb) << "same seed, different lineage";
  EXPECT_FALSE(la == lc) << "different seeds, same lineage";
  int children = 0;
  for (const Birth& birth : la) children += birth.parent_birth >= 0;
  EXPECT_EQ(children, 32);
}

TEST(AgingEvolutionEndToEndTest, TwoControllersOneDatabaseKeepPopulationInvariants) {
  testing::LocalCluster cluster("two_controllers");
  ASSERT_OK(cluster.StartController());
  ASSERT_OK(cluster.StartController());
  const int budget = 120, population = 10;
  // Two workers per controller, each leaving after `max_jobs` jobs: the pair
  // of either controller can run at most 80 of the 120, so both controllers
  // serve leases and reports however the workers happen to be scheduled (one
  // fast worker may take every lease it can). 160 places leave room for
  // leases that expire and are run again.
  const int max_jobs = 40;
  std::vector<std::string> flags = kTableWorker;
  flags.push_back(absl::StrCat("--max_jobs=", max_jobs));
  cluster.StartWorker("w1", 0, flags);
  cluster.StartWorker("w2", 1, flags);
  cluster.StartWorker("w3", 0, flags);
  cluster.StartWorker("w4", 1, flags);
  ASSERT_OK_AND_ASSIGN(
      const int64_t id,
      cluster.CreateSearch(
          NasBench201Spec(testing::NasBench201Table(), budget, population, 3, true), 1));
  auto done = cluster.WaitForSearch(id, absl::Minutes(3), 0);
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  ASSERT_EQ(done->state(), v1::SEARCH_SUCCEEDED);

  // Every job recorded exactly once, the population kept at its size.
  testing::ExpectSearchInvariants(cluster.dsn(), id, budget, population);

  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  const auto one = [&](const std::string& sql) { return txn.exec_params1(sql, id)[0].as<int>(); };
  const std::string reported_by =
      "SELECT count(*) FROM job_attempts a JOIN jobs j ON j.id = a.job_id WHERE "
      "j.search_id = $1 AND a.outcome = 'reported' AND a.worker_id ";
  EXPECT_EQ(one(reported_by + "IN ('w1', 'w2', 'w3', 'w4')"), budget);
  // Results were accepted through both controllers.
  EXPECT_GE(one(reported_by + "IN ('w1', 'w3')"), budget - 2 * max_jobs) << cluster.Logs();
  EXPECT_GE(one(reported_by + "IN ('w2', 'w4')"), budget - 2 * max_jobs) << cluster.Logs();
  // The views answer: best-so-far is monotone and ends at the search's best.
  EXPECT_EQ(one("SELECT count(*) FROM (SELECT best_fitness, lag(best_fitness) OVER "
                "(ORDER BY step) prev FROM best_so_far WHERE search_id = $1) x "
                "WHERE prev > best_fitness"),
            0);
  EXPECT_DOUBLE_EQ(txn.exec_params1("SELECT max(best_fitness) FROM best_so_far WHERE "
                                    "search_id = $1",
                                    id)[0]
                       .as<double>(),
                   done->best().fitness());
}

}  // namespace
}  // namespace nas
