// Local search through the real controller, table-lookup workers and
// PostgreSQL: every search spends its budget, every neighbour is one edit
// from a parent that had been evaluated before it was queued, and it finds
// better cells than random search.
#include "bench/search_quality/quality_runner.h"
#include "common/genome/nasbench201_genome.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

int EditDistance(const std::string& a, const std::string& b) {
  const Nb201Genome x = *ParseNb201Genome(a), y = *ParseNb201Genome(b);
  int d = 0;
  for (int e = 0; e < kNumNb201Edges; ++e) d += x.edges[e] != y.edges[e];
  return d;
}

TEST(LocalSearchEndToEndTest, ExploresNeighboursInParallelAndBeatsRandomSearch) {
  testing::LocalCluster cluster("local_search");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=table_lookup"});
  cluster.StartWorker("w2", 0, {"--job_kinds=table_lookup"});
  auto stub = cluster.SearchStub();
  const int seeds = 12, budget = 100;
  v1::Strategy local;
  local.mutable_local_search();
  auto ls = RunSeeds(*stub, NasBench201Spec(testing::NasBench201Table(), budget, local, "ls"), 1,
                     seeds, 6, absl::Minutes(5));
  ASSERT_TRUE(ls.ok()) << ls.status() << cluster.Logs();
  auto rs = RunSeeds(*stub, NasBench201Spec(testing::NasBench201Table(), budget, 10, 3, false), 1,
                     seeds, 6, absl::Minutes(5));
  ASSERT_TRUE(rs.ok()) << rs.status();
  std::cout << "LS " << ls->mean << " ± " << ls->stddev << ", RS " << rs->mean << " ± "
            << rs->stddev << std::endl;
  EXPECT_GT(ls->mean, rs->mean);

  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  const pqxx::result searches =
      txn.exec("SELECT id, evaluations_done, state FROM searches WHERE strategy = 'local_search'");
  ASSERT_EQ(searches.size(), static_cast<size_t>(seeds));
  for (const auto& s : searches) {
    EXPECT_EQ(s[1].as<int>(), budget);
    EXPECT_EQ(s[2].as<std::string>(), "succeeded");
    int neighbours = 0, starts = 0;
    for (const auto& row : txn.exec_params(
             "SELECT i.genome, i.mutation, p.genome, p.state, p.evaluated_at <= i.created_at "
             "FROM individuals i LEFT JOIN individuals p ON p.id = i.parent_id "
             "WHERE i.search_id = $1 ORDER BY i.birth_order",
             s[0].as<int64_t>())) {
      if (row[2].is_null()) {
        EXPECT_EQ(row[1].as<std::string>(), "random");
        ++starts;
        continue;
      }
      ++neighbours;
      EXPECT_EQ(EditDistance(row[0].as<std::string>(), row[2].as<std::string>()), 1);
      EXPECT_EQ(row[3].as<std::string>(), "evaluated");
      EXPECT_TRUE(row[4].as<bool>()) << "a neighbour was queued before its parent's result";
      EXPECT_EQ(row[1].as<std::string>().rfind("local search: edge ", 0), 0u) << row[1];
    }
    EXPECT_GE(starts, 1);
    EXPECT_GE(neighbours, 24);  // At least the first start's whole neighbourhood.
  }
}

}  // namespace
}  // namespace nas
