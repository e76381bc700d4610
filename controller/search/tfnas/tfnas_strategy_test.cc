#include "controller/search/tfnas/tfnas_strategy.h"

#include "common/search_space/search_space.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

v1::SearchSpec Spec(bool table_file) {
  v1::SearchSpec spec;
  spec.mutable_space()->mutable_tfnas();
  v1::TfNasSearch t;
  t.set_target_fraction(0.5);
  if (table_file) t.set_latency_table_path("/tables/cpu.json");
  *spec.mutable_strategy()->mutable_tfnas() = FillTfNasDefaults(t);
  spec.set_budget(table_file ? 1 : 2);
  return spec;
}

std::string ErrorOf(const v1::SearchSpec& spec) {
  return std::string(ValidateTfNasSpec(spec).message());
}

TEST(ValidateTfNasSpecTest, AcceptsDefaultsAndNamesBadFields) {
  EXPECT_TRUE(ValidateTfNasSpec(Spec(false)).ok());
  EXPECT_TRUE(ValidateTfNasSpec(Spec(true)).ok());

  v1::SearchSpec spec = Spec(false);
  spec.mutable_strategy()->mutable_tfnas()->set_target_latency_ms(3);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("set exactly one of target_latency_ms and target_fraction"));
  spec.mutable_strategy()->mutable_tfnas()->clear_target_fraction();
  EXPECT_TRUE(ValidateTfNasSpec(spec).ok());
  spec.mutable_strategy()->mutable_tfnas()->set_target_latency_ms(-1);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("strategy.tfnas.target_latency_ms: -1 is out of range"));

  spec = Spec(false);
  spec.mutable_strategy()->mutable_tfnas()->set_target_fraction(1.5);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("strategy.tfnas.target_fraction: 1.5 is out of range"));

  spec = Spec(false);
  spec.mutable_strategy()->mutable_tfnas()->set_warmup_epochs(90);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("strategy.tfnas.warmup_epochs: 90 is out of range 0..89"));

  spec = Spec(true);
  spec.set_budget(2);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("budget: 2 must be 1 for a TF-NAS search with a latency"));

  spec = Spec(false);
  spec.mutable_space()->mutable_darts_cell();
  EXPECT_THAT(ErrorOf(spec), HasSubstr("strategy.tfnas: needs the tfnas space"));
}

TEST(TfNasStrategyTest, MeasuresFirstThenSearchesUnderThatTable) {
  const TfNasStrategy strategy(Spec(false).strategy().tfnas());
  auto space = MakeSearchSpace(Spec(false).space());
  ASSERT_TRUE(space.ok()) << space.status();
  SeededRandom rng(1);
  SearchView view;
  auto first = strategy.Propose(view, **space, rng);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->job_kind, v1::MEASURE_LATENCY);

  view.births = 1;
  view.history.push_back({9, 0, HistoryEntry::State::kPending, 0, "", false, 0, false});
  auto waiting = strategy.Propose(view, **space, rng);
  ASSERT_TRUE(waiting.ok());
  EXPECT_FALSE(waiting->has_value());

  view.history[0].state = HistoryEntry::State::kEvaluated;
  auto search = strategy.Propose(view, **space, rng);
  ASSERT_TRUE(search.ok() && search->has_value());
  EXPECT_EQ((*search)->job_kind, v1::TFNAS_SEARCH);
  EXPECT_EQ((*search)->parent_id, 9);
  EXPECT_EQ((*search)->mutation,
            "supernet search: TF-NAS, target 0.5 of the table's latency range, 90 epochs");

  view.history[0].state = HistoryEntry::State::kFailed;
  EXPECT_TRUE(strategy.Finished(view));
}

TEST(TfNasStrategyTest, WithATableFileSearchesAtOnce) {
  const TfNasStrategy strategy(Spec(true).strategy().tfnas());
  auto space = MakeSearchSpace(Spec(true).space());
  ASSERT_TRUE(space.ok());
  SeededRandom rng(1);
  auto first = strategy.Propose(SearchView{}, **space, rng);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->job_kind, v1::TFNAS_SEARCH);
  EXPECT_EQ((*first)->parent_id, 0);
}

TEST(TfNasStrategyTest, RetrainTrainsTheDerivedArchitectureAfterTheSearch) {
  v1::SearchSpec spec = Spec(true);
  spec.mutable_strategy()->mutable_tfnas()->set_retrain(true);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("budget: 1 must be 2 for a TF-NAS search with a latency "
                                       "table file (the search, then the retrain)"));
  spec.set_budget(2);
  EXPECT_TRUE(ValidateTfNasSpec(spec).ok());
  const TfNasStrategy strategy(spec.strategy().tfnas());
  auto space = MakeSearchSpace(spec.space());
  ASSERT_TRUE(space.ok());
  SeededRandom rng(1);
  SearchView view;
  view.births = 1;
  view.history.push_back({4, 0, HistoryEntry::State::kPending, 0, "", false, 0, false});
  auto waiting = strategy.Propose(view, **space, rng);
  ASSERT_TRUE(waiting.ok());
  EXPECT_FALSE(waiting->has_value()) << "nothing to retrain before the search reports";

  const std::string derived = "k3e3w16 | k3e3w24 | k3e3w40 | k3e3w80 | k3e3w96 | k3e3w192";
  view.history[0].state = HistoryEntry::State::kEvaluated;
  view.history[0].genome = derived;
  auto retrain = strategy.Propose(view, **space, rng);
  ASSERT_TRUE(retrain.ok() && retrain->has_value());
  EXPECT_EQ((*retrain)->job_kind, v1::TRAIN_CANDIDATE);
  EXPECT_EQ((*retrain)->genome, derived);
  EXPECT_EQ((*retrain)->parent_id, 4);
  EXPECT_THAT((*retrain)->mutation, HasSubstr("retrain from scratch"));
  EXPECT_FALSE(strategy.Finished(view));

  view.history[0].state = HistoryEntry::State::kFailed;
  EXPECT_TRUE(strategy.Finished(view)) << "a failed search leaves nothing to retrain";
}

TEST(TfNasSearchSpaceTest, RandomGenomesAndMutationsStayInTheSpace) {
  auto space = MakeSearchSpace(Spec(false).space());
  ASSERT_TRUE(space.ok());
  SeededRandom rng(5);
  for (int i = 0; i < 50; ++i) {
    const std::string genome = (*space)->RandomGenome(rng);
    auto canonical = (*space)->Canonicalize(genome);
    ASSERT_TRUE(canonical.ok()) << canonical.status() << " " << genome;
    EXPECT_EQ(*canonical, genome);
    auto child = (*space)->Mutate(genome, rng);
    ASSERT_TRUE(child.ok()) << child.status();
    EXPECT_TRUE((*space)->Canonicalize(child->child).ok()) << child->child;
  }
  EXPECT_THAT(std::string((*space)->Canonicalize("k3e6w4").status().message()),
              HasSubstr("stages: has 1; the space has 6"));
}

}  // namespace
}  // namespace nas
