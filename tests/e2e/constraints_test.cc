// Constraints through the real controller, a real worker and PostgreSQL: the
// same seeded random search run without and with a size limit proposes the
// same candidates, and exactly those over the limit come back infeasible,
// untrained, with what was measured; aging evolution under the limit never
// breeds from one; FLOPs are measured for every candidate and can be an
// objective.
#include <algorithm>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/child_process.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/population_invariants.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

std::vector<v1::Individual> Individuals(testing::LocalCluster& cluster, int64_t search_id) {
  v1::ListIndividualsRequest request;
  request.set_search_id(search_id);
  request.set_page_size(1000);
  v1::ListIndividualsResponse page;
  grpc::ClientContext context;
  EXPECT_TRUE(cluster.SearchStub()->ListIndividuals(&context, request, &page).ok());
  return {page.individuals().begin(), page.individuals().end()};
}

v1::Search RunToEnd(testing::LocalCluster& cluster, const v1::SearchSpec& spec) {
  auto id = cluster.CreateSearch(spec);
  EXPECT_TRUE(id.ok()) << id.status();
  if (!id.ok()) return {};
  auto done = cluster.WaitForSearch(*id, absl::Minutes(8));
  EXPECT_TRUE(done.ok() && done->state() == v1::SEARCH_SUCCEEDED) << cluster.Logs();
  return done.ok() ? *done : v1::Search();
}

// Two objectives: accuracy up, FLOPs down.
v1::SearchSpec AccuracyAndFlops(int budget) {
  v1::SearchSpec spec = testing::DigitsSpec(1);
  spec.set_budget(budget);
  spec.add_objectives()->set_metric("valid_accuracy");
  v1::Objective* flops = spec.add_objectives();
  flops->set_metric("flops");
  flops->set_goal(v1::Objective::MINIMIZE);
  return spec;
}

TEST(ConstraintsEndToEndTest, ExactlyTheCandidatesOverTheLimitAreInfeasibleAndUntrained) {
  testing::LocalCluster cluster("constraints");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=train_candidate"});

  // Unconstrained: every candidate trained, its size and FLOPs measured.
  const v1::Search free = RunToEnd(cluster, AccuracyAndFlops(6));
  ASSERT_EQ(free.evaluations_done(), 6);
  const std::vector<v1::Individual> trained = Individuals(cluster, free.id());
  ASSERT_EQ(trained.size(), 6u);
  std::vector<int64_t> sizes;
  for (const v1::Individual& i : trained) {
    ASSERT_EQ(i.state(), v1::INDIVIDUAL_EVALUATED);
    ASSERT_GT(i.metrics().count("flops"), 0u) << i.DebugString();
    EXPECT_GT(i.metrics().at("flops"), 0);
    ASSERT_EQ(i.objective_values_size(), 2);
    EXPECT_EQ(i.objective_values(1), i.metrics().at("flops"));
    sizes.push_back(i.parameter_count());
  }
  std::sort(sizes.begin(), sizes.end());
  const int64_t limit = sizes[2];
  ASSERT_LT(limit, sizes.back()) << "the seeded candidates all have one size";

  // The same seed under the limit: the same candidates, and exactly those
  // over it infeasible, with no training and no weights.
  v1::SearchSpec limited_spec = AccuracyAndFlops(6);
  limited_spec.set_name("digits under a size limit");
  limited_spec.mutable_constraints()->set_max_parameters(limit);
  const v1::Search limited = RunToEnd(cluster, limited_spec);
  const std::vector<v1::Individual> checked = Individuals(cluster, limited.id());
  ASSERT_EQ(checked.size(), 6u);
  int over = 0;
  for (size_t k = 0; k < checked.size(); ++k) {
    const v1::Individual& before = trained[k];
    const v1::Individual& now = checked[k];
    ASSERT_EQ(now.architecture().text(), before.architecture().text()) << "birth " << k;
    EXPECT_EQ(now.parameter_count(), before.parameter_count());
    EXPECT_EQ(now.metrics().at("flops"), before.metrics().at("flops"));
    if (before.parameter_count() > limit) {
      ++over;
      EXPECT_EQ(now.state(), v1::INDIVIDUAL_INFEASIBLE) << now.DebugString();
      EXPECT_EQ(now.failure_reason(), absl::StrCat("parameter_count ", before.parameter_count(),
                                                   " > constraints.max_parameters ", limit));
      EXPECT_EQ(now.metrics().count("train_seconds"), 0u) << "trained anyway";
      EXPECT_TRUE(now.checkpoint().empty());
      EXPECT_EQ(now.objective_values_size(), 0);
    } else {
      EXPECT_EQ(now.state(), v1::INDIVIDUAL_EVALUATED) << now.DebugString();
      EXPECT_GT(now.metrics().count("train_seconds"), 0u);
    }
  }
  EXPECT_GT(over, 0);
  EXPECT_EQ(limited.evaluations_infeasible(), over);
  EXPECT_EQ(limited.evaluations_done(), 6 - over);
  testing::ExpectSearchInvariants(cluster.dsn(), limited.id(), 6, 0);
  {
    pqxx::connection conn(cluster.dsn());
    pqxx::work txn(conn);
    EXPECT_EQ(txn.exec_params1("SELECT count(*) FROM job_log_lines l JOIN jobs j ON j.id = "
                               "l.job_id WHERE j.search_id = $1 AND l.text LIKE "
                               "'%not trained: breaks the constraints: parameter_count %'",
                               limited.id())[0]
                  .as<int>(),
              over);
  }

  // Aging evolution under the same limit: every parent was trained and
  // within it; the population holds evaluated members only.
  v1::SearchSpec evolution = limited_spec;
  evolution.set_name("evolution under a size limit");
  evolution.set_budget(10);
  evolution.set_seed(5);
  evolution.mutable_strategy()->mutable_aging_evolution()->set_population_size(3);
  evolution.mutable_strategy()->mutable_aging_evolution()->set_sample_size(2);
  const v1::Search evolved = RunToEnd(cluster, evolution);
  testing::ExpectSearchInvariants(cluster.dsn(), evolved.id(), 10, 3);
  EXPECT_GT(evolved.evaluations_infeasible(), 0);
  for (const v1::Individual& i : Individuals(cluster, evolved.id())) {
    if (i.state() == v1::INDIVIDUAL_EVALUATED) {
      EXPECT_LE(i.parameter_count(), limit);
    } else if (i.state() == v1::INDIVIDUAL_INFEASIBLE) {
      EXPECT_GT(i.parameter_count(), limit);
    }
  }

  // nasctl shows the count and the state.
  const testing::CommandResult get = testing::RunCommand(absl::StrCat(
      testing::RunfilePath("controller/cli/nasctl"),
      " --controller=", cluster.controller_address(0), " individuals ", limited.id(), " 2>&1"));
  ASSERT_EQ(get.exit_status, 0) << get.output;
  EXPECT_THAT(get.output, HasSubstr("infeasible"));
}

// A supernet search's candidate is its derived cell: checked before its
// retrain, which an infeasible cell never gets; the search then ends.
TEST(ConstraintsEndToEndTest, ASupernetsDerivedCellOverTheLimitIsNotRetrained) {
  testing::LocalCluster cluster("constraints_supernet");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=supernet_search,train_candidate"});
  v1::SearchSpec spec = testing::DigitsSupernetSpec(v1::SupernetSearch::DARTS, /*retrain=*/true);
  spec.mutable_constraints()->set_max_flops(1000);  // Any cell does more.
  const v1::Search done = RunToEnd(cluster, spec);
  EXPECT_EQ(done.evaluations_infeasible(), 1);
  EXPECT_EQ(done.evaluations_done(), 0);
  const std::vector<v1::Individual> all = Individuals(cluster, done.id());
  ASSERT_EQ(all.size(), 1u) << "a retrain was queued for an infeasible cell";
  EXPECT_EQ(all[0].state(), v1::INDIVIDUAL_INFEASIBLE);
  ASSERT_GT(all[0].metrics().count("flops"), 0u);
  EXPECT_EQ(all[0].failure_reason(), absl::StrFormat("flops %.6g > constraints.max_flops 1000",
                                                     all[0].metrics().at("flops")));
}

// The 8x8 digits in a slim TF-NAS space (as tests/e2e/tfnas_test.cc).
v1::SearchSpec TfNasDigits() {
  v1::SearchSpec spec = testing::DigitsSpec(1);
  v1::TfNasSpace* space = spec.mutable_space()->mutable_tfnas();
  space->set_image_size(8);
  space->set_width_multiplier(0.25);
  space->set_max_layers_per_stage(2);
  spec.mutable_training()->clear_init_channels();
  spec.mutable_training()->clear_cells();
  return spec;
}

// A latency table a worker measured for the slim space, written to a file:
// the first job of a TF-NAS search, which is then cancelled.
std::string MeasuredTable(testing::LocalCluster& cluster) {
  v1::SearchSpec spec = TfNasDigits();
  spec.clear_training();
  v1::TfNasSearch* t = spec.mutable_strategy()->mutable_tfnas();
  t->set_target_fraction(0.5);
  t->set_epochs(1);
  t->set_measure_repeats(3);
  t->set_measure_width_stride(16);
  spec.set_budget(2);
  auto id = cluster.CreateSearch(spec);
  EXPECT_TRUE(id.ok()) << id.status();
  pqxx::connection conn(cluster.dsn());
  const absl::Time deadline = absl::Now() + absl::Minutes(3);
  std::string table;
  while (table.empty() && absl::Now() < deadline) {
    pqxx::work txn(conn);
    const pqxx::result rows = txn.exec("SELECT table_json FROM latency_tables");
    if (!rows.empty()) table = rows[0][0].as<std::string>();
    if (table.empty()) absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_FALSE(table.empty()) << cluster.Logs();
  v1::CancelSearchRequest cancel;
  cancel.set_search_id(*id);
  v1::Search cancelled;
  grpc::ClientContext context;
  EXPECT_TRUE(cluster.SearchStub()->CancelSearch(&context, cancel, &cancelled).ok());
  const std::string path = absl::StrCat(::testing::TempDir(), "/constraints_latency.json");
  std::ofstream(path) << table;
  return path;
}

TEST(ConstraintsEndToEndTest, TfNasCandidatesOverTheLatencyLimitByTheTableAreInfeasible) {
  testing::LocalCluster cluster("constraints_latency");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=measure_latency,tfnas_search,train_candidate"});
  const std::string table = MeasuredTable(cluster);

  v1::SearchSpec free_spec = TfNasDigits();
  free_spec.set_budget(5);
  free_spec.set_latency_table_path(table);
  free_spec.add_objectives()->set_metric("valid_accuracy");
  v1::Objective* latency = free_spec.add_objectives();
  latency->set_metric("latency_ms");
  latency->set_goal(v1::Objective::MINIMIZE);
  const v1::Search free = RunToEnd(cluster, free_spec);
  const std::vector<v1::Individual> trained = Individuals(cluster, free.id());
  ASSERT_EQ(trained.size(), 5u);
  std::vector<double> latencies;
  for (const v1::Individual& i : trained) {
    ASSERT_EQ(i.state(), v1::INDIVIDUAL_EVALUATED) << i.DebugString();
    ASSERT_GT(i.metrics().count("latency_ms"), 0u) << i.DebugString();
    EXPECT_EQ(i.objective_values(1), i.metrics().at("latency_ms"));
    latencies.push_back(i.metrics().at("latency_ms"));
  }
  std::sort(latencies.begin(), latencies.end());
  const double limit = latencies[2];
  ASSERT_LT(limit, latencies.back()) << "the seeded candidates all have one latency";

  v1::SearchSpec limited_spec = free_spec;
  limited_spec.set_name("tfnas under a latency limit");
  limited_spec.mutable_constraints()->set_max_latency_ms(limit);
  const v1::Search limited = RunToEnd(cluster, limited_spec);
  const std::vector<v1::Individual> checked = Individuals(cluster, limited.id());
  ASSERT_EQ(checked.size(), 5u);
  int over = 0;
  for (size_t k = 0; k < checked.size(); ++k) {
    ASSERT_EQ(checked[k].architecture().text(), trained[k].architecture().text());
    const double predicted = trained[k].metrics().at("latency_ms");
    EXPECT_EQ(checked[k].metrics().at("latency_ms"), predicted);
    if (predicted > limit) {
      ++over;
      EXPECT_EQ(checked[k].state(), v1::INDIVIDUAL_INFEASIBLE) << checked[k].DebugString();
      EXPECT_THAT(checked[k].failure_reason(), HasSubstr("> constraints.max_latency_ms"));
      EXPECT_EQ(checked[k].metrics().count("train_seconds"), 0u);
    } else {
      EXPECT_EQ(checked[k].state(), v1::INDIVIDUAL_EVALUATED) << checked[k].DebugString();
    }
  }
  EXPECT_GT(over, 0);
  EXPECT_EQ(limited.evaluations_infeasible(), over);
  testing::ExpectSearchInvariants(cluster.dsn(), limited.id(), 5, 0);
}

}  // namespace
}  // namespace nas
