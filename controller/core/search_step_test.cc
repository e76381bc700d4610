#include "controller/core/search_step.h"

#include <set>

#include "absl/strings/str_cat.h"

#include "controller/search/spec_validation.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

v1::SearchSpec Normalized(const char* text) {
  v1::SearchSpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &spec));
  const absl::Status status = ValidateAndNormalizeSpec(&spec);
  EXPECT_TRUE(status.ok()) << status;
  return spec;
}

// Aging evolution, P=3, S=2, over NAS-Bench-201 by table lookup.
v1::SearchSpec AgingSpec(int budget) {
  return Normalized(absl::StrCat(R"pb(
    space { nasbench201 {} }
    strategy { aging_evolution { population_size: 3 sample_size: 2 } }
    seed: 11
    table_lookup { table_path: "/t.csv" cell_column: "arch" fitness_column: "acc" }
    budget: )pb", budget).c_str());
}

std::unique_ptr<SearchStep> StepFor(const v1::SearchSpec& spec) {
  auto step = SearchStep::Create(spec);
  EXPECT_TRUE(step.ok()) << step.status();
  return *std::move(step);
}

// A running search after `evaluated` evaluations of the genomes proposed at
// birth, each alive in the order it finished.
SearchSnapshot Evaluated(const std::vector<Birth>& births, const std::vector<double>& fitness) {
  SearchSnapshot s;
  s.counts.state = "running";
  s.counts.births = static_cast<int>(births.size());
  s.counts.evaluations_done = static_cast<int>(fitness.size());
  s.counts.jobs_in_flight = s.counts.births - s.counts.evaluations_done;
  s.view.births = s.counts.births;
  for (size_t i = 0; i < fitness.size(); ++i) {
    s.view.population.push_back({static_cast<int64_t>(100 + i), births[i].birth_order, fitness[i],
                                 births[i].genome});
  }
  s.view.unfinished = s.counts.jobs_in_flight;
  s.view.unfinished_initial = std::max(0, 3 - static_cast<int>(fitness.size()));
  return s;
}

TEST(SearchStepTest, CreateQueuesTheWholeInitialPopulationAsTableLookups) {
  const auto step = StepFor(AgingSpec(10));
  EXPECT_EQ(step->job_kind(), v1::TABLE_LOOKUP);
  EXPECT_EQ(step->InitialTarget(/*active_slots=*/1), 3);
  EXPECT_EQ(step->InitialTarget(/*active_slots=*/5), 5);
  SearchSnapshot empty;
  empty.counts.state = "running";
  auto writes = step->TopUp(empty, step->InitialTarget(1));
  ASSERT_TRUE(writes.ok()) << writes.status();
  ASSERT_EQ(writes->births.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const Birth& b = writes->births[i];
    EXPECT_EQ(b.birth_order, i);
    EXPECT_EQ(b.mutation, "random");
    EXPECT_EQ(b.job_kind, v1::TABLE_LOOKUP);
    EXPECT_EQ(b.max_attempts, 3);
    EXPECT_EQ(b.genome_hash.size(), 16u);
  }
  // Every initial member is queued: the strategy waits for results now.
  SearchSnapshot after = empty;
  after.counts.births = 3;
  after.counts.jobs_in_flight = 3;
  after.view.births = 3;
  after.view.unfinished = after.view.unfinished_initial = 3;
  EXPECT_FALSE(step->WantsTopUp(after.counts, 3));
  auto more = step->TopUp(after, 10);
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(more->births.empty());
}

TEST(SearchStepTest, AdvanceAgesOutTheOldestNotTheWorstAndBreedsFromTheRest) {
  const auto step = StepFor(AgingSpec(10));
  SearchSnapshot empty;
  empty.counts.state = "running";
  const std::vector<Birth> initial = step->TopUp(empty, 3)->births;
  // A fourth member (a child) joined; the oldest (fitness 0.9, the best) must go.
  std::vector<Birth> births = initial;
  births.push_back(initial[0]);
  births.back().birth_order = 3;
  SearchSnapshot s = Evaluated(births, {0.9, 0.1, 0.2, 0.3});
  auto writes = step->Advance(s, /*active_slots=*/1);
  ASSERT_TRUE(writes.ok()) << writes.status();
  EXPECT_EQ(writes->age_out, std::vector<int64_t>{100});
  ASSERT_EQ(writes->births.size(), 1u);
  const Birth& child = writes->births[0];
  EXPECT_EQ(child.birth_order, 4);
  EXPECT_NE(child.parent_id, 100);  // Not bred from the aged-out member.
  EXPECT_THAT(std::set<int64_t>({101, 102, 103}), ::testing::Contains(child.parent_id));
  EXPECT_FALSE(writes->succeeded);
  EXPECT_FALSE(writes->release.all_but_best);  // Table lookups have no weights.
  // The same snapshot gives the same step: a retried transaction redoes it.
  auto again = step->Advance(s, 1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->births[0].genome, child.genome);
  EXPECT_EQ(again->births[0].seed, child.seed);
}

TEST(SearchStepTest, SucceedsOnlyWhenTheBudgetIsSpentAndNothingIsInFlight) {
  const auto step = StepFor(AgingSpec(4));
  SearchSnapshot empty;
  empty.counts.state = "running";
  std::vector<Birth> births = step->TopUp(empty, 3)->births;
  births.push_back(births[0]);
  births.back().birth_order = 3;
  SearchSnapshot in_flight = Evaluated(births, {0.5, 0.6, 0.7});
  auto writes = step->Advance(in_flight, 1);
  ASSERT_TRUE(writes.ok());
  EXPECT_TRUE(writes->births.empty());  // Budget of 4 spent.
  EXPECT_FALSE(writes->succeeded);      // Birth 3 is still in flight.
  SearchSnapshot done = Evaluated(births, {0.5, 0.6, 0.7, 0.8});
  writes = step->Advance(done, 1);
  ASSERT_TRUE(writes.ok());
  EXPECT_TRUE(writes->succeeded);
  EXPECT_EQ(writes->age_out, std::vector<int64_t>{100});
  done.counts.state = "cancelled";
  writes = step->Advance(done, 1);
  ASSERT_TRUE(writes.ok());
  EXPECT_FALSE(writes->succeeded);
  EXPECT_TRUE(writes->births.empty() && writes->age_out.empty());
}

TEST(SearchStepTest, TrainedCandidatesReleaseEveryWeightButTheBest) {
  const auto step = StepFor(Normalized(R"pb(
    space { darts_cell {} }
    strategy { random {} }
    budget: 5
    training { epochs: 1 batch_size: 8 learning_rate: 0.1 init_channels: 8 cells: 3 }
    dataset { format: DIGITS_CSV path: "/d.csv" validation_examples: 100 }
  )pb"));
  EXPECT_EQ(step->job_kind(), v1::TRAIN_CANDIDATE);
  SearchSnapshot empty;
  empty.counts.state = "running";
  const std::vector<Birth> births = step->TopUp(empty, 1)->births;
  ASSERT_EQ(births.size(), 1u);
  auto writes = step->Advance(Evaluated(births, {0.5}), /*active_slots=*/2);
  ASSERT_TRUE(writes.ok());
  EXPECT_TRUE(writes->release.all_but_best);
  EXPECT_EQ(writes->births.size(), 2u);  // One job per active worker.
}

TEST(SearchStepTest, ChecksWhatAJobReportsBesideItsFitness) {
  const auto lookup = StepFor(AgingSpec(10));
  v1::EvaluationResult result;
  result.set_latency_table("{\"base\": 1}");
  EXPECT_THAT(lookup->CheckOutput(v1::TABLE_LOOKUP, result).status().message(),
              HasSubstr("only a MEASURE_LATENCY job reports a latency table"));
  result.clear_latency_table();
  result.mutable_architecture()->set_text("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
  EXPECT_THAT(lookup->CheckOutput(v1::TABLE_LOOKUP, result).status().message(),
              HasSubstr("only SUPERNET_SEARCH and TFNAS_SEARCH jobs report an architecture"));

  const auto supernet = StepFor(Normalized(R"pb(
    space { darts_cell { nodes: 2 } }
    strategy { supernet { method: DARTS epochs: 1 } }
    budget: 1
    dataset { format: DIGITS_CSV path: "/d.csv" validation_examples: 100 }
  )pb"));
  EXPECT_EQ(supernet->job_kind(), v1::SUPERNET_SEARCH);
  v1::EvaluationResult none;
  EXPECT_THAT(supernet->CheckOutput(v1::SUPERNET_SEARCH, none).status().message(),
              HasSubstr("must report the derived architecture"));
  v1::EvaluationResult bad;
  bad.mutable_architecture()->set_text("not a cell");
  EXPECT_THAT(supernet->CheckOutput(v1::SUPERNET_SEARCH, bad).status().message(),
              HasSubstr("result.architecture:"));
  v1::EvaluationResult measure;
  EXPECT_THAT(supernet->CheckOutput(v1::MEASURE_LATENCY, measure).status().message(),
              HasSubstr("must report a JSON object with \"base\""));
}

}  // namespace
}  // namespace nas
