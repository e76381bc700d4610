// Objectives through the real controller, workers and PostgreSQL: aging
// evolution minimizing a table's value walks down, not up; two objectives
// with real training give a Pareto front that nasctl prints; a bad
// objective is refused naming the field.
#include <algorithm>
#include <numeric>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/search_quality/quality_runner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/population_invariants.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

std::vector<v1::Individual> AllIndividuals(testing::LocalCluster& cluster, int64_t search_id) {
  std::vector<v1::Individual> all;
  std::string token;
  do {
    v1::ListIndividualsRequest request;
    request.set_search_id(search_id);
    request.set_page_size(1000);
    request.set_page_token(token);
    v1::ListIndividualsResponse page;
    grpc::ClientContext context;
    EXPECT_TRUE(cluster.SearchStub()->ListIndividuals(&context, request, &page).ok());
    all.insert(all.end(), page.individuals().begin(), page.individuals().end());
    token = page.next_page_token();
  } while (!token.empty());
  return all;
}

double MeanFitness(const std::vector<v1::Individual>& all, int from, int to) {
  double sum = 0;
  for (int i = from; i < to; ++i) sum += all[i].fitness();
  return sum / (to - from);
}

testing::CommandResult Nasctl(testing::LocalCluster& cluster, const std::string& args) {
  return testing::RunCommand(absl::StrCat(testing::RunfilePath("controller/cli/nasctl"),
                                          " --controller=", cluster.controller_address(0), " ",
                                          args, " 2>&1"));
}

// The same seeded search maximizing and minimizing: the children (births
// 10..59) of each move away from the random start (births 0..9) in its own
// direction, and the best is the extreme of its direction.
TEST(ObjectivesEndToEndTest, AgingEvolutionMinimizesWhenAsked) {
  testing::LocalCluster cluster("objectives_min");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=table_lookup"});
  for (const auto goal : {v1::Objective::MAXIMIZE, v1::Objective::MINIMIZE}) {
    v1::SearchSpec spec = NasBench201Spec(testing::NasBench201Table(), 60, 10, 5, true);
    spec.set_seed(21);
    v1::Objective* o = spec.add_objectives();
    o->set_metric("fitness");
    o->set_goal(goal);
    auto id = cluster.CreateSearch(spec);
    ASSERT_TRUE(id.ok()) << id.status();
    auto done = cluster.WaitForSearch(*id, absl::Minutes(3));
    ASSERT_TRUE(done.ok() && done->state() == v1::SEARCH_SUCCEEDED) << cluster.Logs();
    testing::ExpectSearchInvariants(cluster.dsn(), *id, 60, 10);
    const std::vector<v1::Individual> all = AllIndividuals(cluster, *id);
    ASSERT_EQ(all.size(), 60u);
    const double start = MeanFitness(all, 0, 10), children = MeanFitness(all, 10, 60);
    std::vector<double> fitness;
    for (const auto& i : all) fitness.push_back(i.fitness());
    if (goal == v1::Objective::MINIMIZE) {
      EXPECT_LT(children, start - 5) << "start " << start;
      EXPECT_EQ(done->best().fitness(), *std::min_element(fitness.begin(), fitness.end()));
    } else {
      EXPECT_GT(children, start + 2) << "start " << start;
      EXPECT_EQ(done->best().fitness(), *std::max_element(fitness.begin(), fitness.end()));
    }
    // One objective: the front is the best (and its equals).
    const testing::CommandResult front = Nasctl(cluster, absl::StrCat("--format=csv front ", *id));
    ASSERT_EQ(front.exit_status, 0) << front.output;
    EXPECT_THAT(front.output,
                HasSubstr(absl::StrCat(goal == v1::Objective::MINIMIZE ? "minimize" : "maximize",
                                       ":fitness")));
    EXPECT_THAT(front.output, HasSubstr(absl::StrCat(done->best().id(), ",")));
  }
}

bool Dominates(const v1::Individual& a, const v1::Individual& b) {
  // (maximize fitness, minimize parameter_count)
  return a.fitness() >= b.fitness() && a.parameter_count() <= b.parameter_count() &&
         (a.fitness() > b.fitness() || a.parameter_count() < b.parameter_count());
}

// Real training: every front member is undominated among the evaluated,
// every other evaluated individual is dominated by a front member, and the
// values are the measured fitness and parameter count.
TEST(ObjectivesEndToEndTest, TwoObjectivesGiveAParetoFrontOfTrainedCandidates) {
  testing::LocalCluster cluster("objectives_front");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=train_candidate"});
  v1::SearchSpec spec = testing::DigitsSpec(1);
  spec.set_budget(6);
  spec.mutable_strategy()->mutable_aging_evolution()->set_population_size(3);
  spec.mutable_strategy()->mutable_aging_evolution()->set_sample_size(2);
  v1::Objective* accuracy = spec.add_objectives();
  accuracy->set_metric("valid_accuracy");
  v1::Objective* size = spec.add_objectives();
  size->set_metric("parameter_count");
  size->set_goal(v1::Objective::MINIMIZE);
  auto id = cluster.CreateSearch(spec);
  ASSERT_TRUE(id.ok()) << id.status();
  auto done = cluster.WaitForSearch(*id, absl::Minutes(8));
  ASSERT_TRUE(done.ok() && done->state() == v1::SEARCH_SUCCEEDED) << cluster.Logs();
  testing::ExpectSearchInvariants(cluster.dsn(), *id, 6, 3);

  std::vector<v1::Individual> evaluated;
  for (const auto& i : AllIndividuals(cluster, *id)) {
    if (i.state() == v1::INDIVIDUAL_EVALUATED) evaluated.push_back(i);
  }
  ASSERT_FALSE(evaluated.empty());
  v1::GetParetoFrontRequest request;
  request.set_search_id(*id);
  v1::GetParetoFrontResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(cluster.SearchStub()->GetParetoFront(&context, request, &response).ok());
  ASSERT_FALSE(response.individuals().empty());
  std::set<int64_t> front_ids;
  for (const v1::Individual& f : response.individuals()) {
    front_ids.insert(f.id());
    ASSERT_EQ(f.objective_values_size(), 2);
    EXPECT_EQ(f.objective_values(0), f.fitness());
    EXPECT_EQ(f.objective_values(1), static_cast<double>(f.parameter_count()));
    EXPECT_GT(f.parameter_count(), 0);
    for (const v1::Individual& other : evaluated) {
      EXPECT_FALSE(Dominates(other, f)) << other.id() << " dominates front member " << f.id();
    }
  }
  for (const v1::Individual& i : evaluated) {
    if (front_ids.count(i.id())) continue;
    EXPECT_TRUE(std::any_of(response.individuals().begin(), response.individuals().end(),
                            [&](const v1::Individual& f) { return Dominates(f, i); }))
        << "individual " << i.id() << " is neither on the front nor dominated by it";
  }
  const testing::CommandResult text = Nasctl(cluster, absl::StrCat("front ", *id));
  ASSERT_EQ(text.exit_status, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr(absl::StrCat(front_ids.size(),
                                                  " non-dominated by maximize "
                                                  "valid_accuracy, minimize parameter_count")));
}

TEST(ObjectivesEndToEndTest, ABadObjectiveIsRefusedNamingTheField) {
  testing::LocalCluster cluster("objectives_bad");
  ASSERT_OK(cluster.StartController());
  v1::SearchSpec spec = NasBench201Spec(testing::NasBench201Table(), 20, 5, 2, true);
  spec.add_objectives()->set_metric("fitness");
  spec.add_objectives()->set_metric("parameter_count");
  auto refused = cluster.CreateSearch(spec);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("objectives[1].metric: parameter_count is not measured by table_lookup"));
}

}  // namespace
}  // namespace nas
