#include "controller/search/supernet/supernet_strategy.h"

#include "common/search_space/search_space.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

v1::SearchSpec Spec(v1::SupernetSearch::Method method, bool retrain) {
  v1::SearchSpec spec;
  spec.mutable_space()->mutable_darts_cell()->set_nodes(4);
  v1::SupernetSearch& s = *spec.mutable_strategy()->mutable_supernet();
  s.set_method(method);
  s.set_retrain(retrain);
  *spec.mutable_strategy()->mutable_supernet() = FillSupernetDefaults(s);
  spec.set_budget(retrain ? 2 : 1);
  return spec;
}

std::string ErrorOf(const v1::SearchSpec& spec) {
  return std::string(ValidateSupernetSpec(spec).message());
}

TEST(FillSupernetDefaultsTest, TakesThePapersSettings) {
  const v1::SupernetSearch darts = Spec(v1::SupernetSearch::DARTS, false).strategy().supernet();
  EXPECT_EQ(darts.order(), v1::SupernetSearch::FIRST_ORDER);
  EXPECT_EQ(darts.partial_k(), 0);
  EXPECT_EQ(darts.epochs(), 50);
  EXPECT_DOUBLE_EQ(darts.arch_learning_rate(), 3e-4);
  const v1::SupernetSearch pc = Spec(v1::SupernetSearch::PC_DARTS, false).strategy().supernet();
  EXPECT_EQ(pc.partial_k(), 4);
  EXPECT_DOUBLE_EQ(pc.arch_learning_rate(), 6e-4);
  EXPECT_EQ(DescribeSupernet(pc), "PC-DARTS (K=4), first order, 50 epochs");
}

// PC-DARTS trains with a K-times larger batch (and learning rate) than DARTS
// and freezes the architecture for its first 15 of 50 epochs.
TEST(FillSupernetDefaultsTest, PcDartsScalesBatchAndLearningRateWithKAndWarmsUp) {
  const v1::SupernetSearch darts = Spec(v1::SupernetSearch::DARTS, false).strategy().supernet();
  EXPECT_EQ(darts.batch_size(), 64);
  EXPECT_DOUBLE_EQ(darts.weight_learning_rate(), 0.025);
  EXPECT_EQ(darts.arch_warmup_epochs(), -1);
  const v1::SupernetSearch pc = Spec(v1::SupernetSearch::PC_DARTS, false).strategy().supernet();
  EXPECT_EQ(pc.batch_size(), 256);
  EXPECT_DOUBLE_EQ(pc.weight_learning_rate(), 0.1);
  EXPECT_EQ(pc.arch_warmup_epochs(), 15);
  v1::SupernetSearch short_k2;
  short_k2.set_method(v1::SupernetSearch::PC_DARTS);
  short_k2.set_partial_k(2);
  short_k2.set_epochs(10);
  short_k2 = FillSupernetDefaults(short_k2);
  EXPECT_EQ(short_k2.batch_size(), 128);
  EXPECT_DOUBLE_EQ(short_k2.weight_learning_rate(), 0.05);
  EXPECT_EQ(short_k2.arch_warmup_epochs(), 3);
  // -1 asks for none, and stays so when the defaults are filled again.
  v1::SupernetSearch none;
  none.set_method(v1::SupernetSearch::PC_DARTS);
  none.set_arch_warmup_epochs(-1);
  EXPECT_EQ(FillSupernetDefaults(FillSupernetDefaults(none)).arch_warmup_epochs(), -1);
  EXPECT_EQ(FillSupernetDefaults(FillSupernetDefaults(pc)).arch_warmup_epochs(), 15);
}

TEST(ValidateSupernetSpecTest, AcceptsDefaults) {
  EXPECT_TRUE(ValidateSupernetSpec(Spec(v1::SupernetSearch::DARTS, false)).ok());
  EXPECT_TRUE(ValidateSupernetSpec(Spec(v1::SupernetSearch::PC_DARTS, true)).ok());
}

TEST(ValidateSupernetSpecTest, NamesTheFieldAndTheRule) {
  v1::SearchSpec spec = Spec(v1::SupernetSearch::DARTS, false);
  spec.mutable_strategy()->mutable_supernet()->set_method(v1::SupernetSearch::METHOD_UNSPECIFIED);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("strategy.supernet.method: must be DARTS or PC_DARTS"));

  spec = Spec(v1::SupernetSearch::DARTS, false);
  spec.mutable_strategy()->mutable_supernet()->set_partial_k(4);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("strategy.supernet.partial_k: only PC_DARTS"));

  spec = Spec(v1::SupernetSearch::PC_DARTS, false);
  spec.mutable_strategy()->mutable_supernet()->set_init_channels(10);
  EXPECT_THAT(ErrorOf(spec),
              HasSubstr("strategy.supernet.init_channels: 10 must be a multiple of partial_k (4)"));

  spec = Spec(v1::SupernetSearch::DARTS, false);
  spec.mutable_strategy()->mutable_supernet()->set_epochs(-1);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("strategy.supernet.epochs: -1 is out of range 1..1000"));

  spec = Spec(v1::SupernetSearch::DARTS, false);
  spec.mutable_strategy()->mutable_supernet()->set_weight_learning_rate_min(1);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("strategy.supernet.weight_learning_rate_min"));

  spec = Spec(v1::SupernetSearch::PC_DARTS, false);
  spec.mutable_strategy()->mutable_supernet()->set_arch_warmup_epochs(50);
  EXPECT_THAT(ErrorOf(spec),
              HasSubstr("strategy.supernet.arch_warmup_epochs: 50 is out of range -1..49"));

  spec = Spec(v1::SupernetSearch::DARTS, true);
  spec.set_budget(1);
  EXPECT_THAT(ErrorOf(spec), HasSubstr("budget: 1 must be 2 for a supernet search with retrain"));

  spec = Spec(v1::SupernetSearch::DARTS, false);
  spec.mutable_space()->mutable_nasbench201();
  EXPECT_THAT(ErrorOf(spec), HasSubstr("strategy.supernet: needs the darts_cell space"));
}

class SupernetStrategyTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::optional<Proposal>> Propose(const SupernetStrategy& strategy,
                                                  const SearchView& view) {
    SeededRandom rng(1);
    return strategy.Propose(view, **space_, rng);
  }

  absl::StatusOr<std::unique_ptr<SearchSpace>> space_ =
      MakeSearchSpace(Spec(v1::SupernetSearch::DARTS, true).space());
};

TEST_F(SupernetStrategyTest, FirstTheSupernetJobThenTheRetrainOfWhatItDerived) {
  ASSERT_TRUE(space_.ok());
  const SupernetStrategy strategy(Spec(v1::SupernetSearch::DARTS, true).strategy().supernet());
  SearchView view;
  view.budget = 2;
  auto first = Propose(strategy, view);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->job_kind, v1::SUPERNET_SEARCH);
  EXPECT_EQ((*first)->genome, "");
  EXPECT_EQ((*first)->mutation, "supernet search: DARTS, first order, 50 epochs");

  // While the supernet trains, there is nothing else to do.
  view.births = 1;
  view.history.push_back({41, 0, HistoryEntry::State::kPending, 0, "", false, 0, false});
  auto waiting = Propose(strategy, view);
  ASSERT_TRUE(waiting.ok());
  EXPECT_FALSE(waiting->has_value());
  EXPECT_FALSE(strategy.Finished(view));

  view.history[0].state = HistoryEntry::State::kEvaluated;
  view.history[0].genome = (*space_)->RandomGenome(*std::make_unique<SeededRandom>(7));
  auto retrain = Propose(strategy, view);
  ASSERT_TRUE(retrain.ok() && retrain->has_value());
  EXPECT_EQ((*retrain)->job_kind, v1::TRAIN_CANDIDATE);
  EXPECT_EQ((*retrain)->genome, view.history[0].genome);
  EXPECT_EQ((*retrain)->parent_id, 41);
}

TEST_F(SupernetStrategyTest, WithoutRetrainStopsAfterTheSupernet) {
  const SupernetStrategy strategy(Spec(v1::SupernetSearch::PC_DARTS, false).strategy().supernet());
  SearchView view;
  view.births = 1;
  view.budget = 1;
  view.history.push_back({5, 0, HistoryEntry::State::kEvaluated, 0.5, "x", true, 0, false});
  auto next = Propose(strategy, view);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
}

TEST_F(SupernetStrategyTest, AFailedSupernetFinishesTheSearch) {
  const SupernetStrategy strategy(Spec(v1::SupernetSearch::DARTS, true).strategy().supernet());
  SearchView view;
  view.births = 1;
  view.budget = 2;
  view.history.push_back({5, 0, HistoryEntry::State::kFailed, 0, "", false, 0, false});
  EXPECT_TRUE(strategy.Finished(view));
  auto next = Propose(strategy, view);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
}

}  // namespace
}  // namespace nas
