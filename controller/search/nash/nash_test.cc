#include "controller/search/nash/nash.h"

#include "common/genome/convnet_genome.h"
#include "common/genome/morphism.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using State = HistoryEntry::State;

class NashTest : public ::testing::Test {
 protected:
  NashTest() {
    nash_.set_n_steps(2);
    nash_.set_n_neighbours(3);
    nash_ = FillNashDefaults(nash_);
    v1::SearchSpace space;
    space.mutable_convnet();
    space_ = *MakeSearchSpace(space);
  }

  // Proposes the next birth and records it as pending.
  std::optional<Proposal> Next(NashHillClimbing& nash) {
    SeededRandom rng(view_.births);
    auto p = nash.Propose(view_, *space_, rng);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p->has_value()) return std::nullopt;
    view_.history.push_back({100 + view_.births, view_.births, State::kPending, 0,
                             (*p)->genome, false});
    ++view_.births;
    return *p;
  }

  void Evaluate(int birth, double fitness) {
    view_.history[birth].state = State::kEvaluated;
    view_.history[birth].fitness = fitness;
    view_.history[birth].has_checkpoint = true;
  }

  v1::Nash nash_;
  std::unique_ptr<SearchSpace> space_;
  SearchView view_;
};

TEST_F(NashTest, ClimbsFromTheBestOfEachStep) {
  NashHillClimbing nash(nash_);
  EXPECT_EQ(NashHillClimbing::Budget(nash_), 2 + 2 * 3);
  auto start = Next(nash);
  EXPECT_EQ(start->mutation, "start");
  EXPECT_EQ(start->epochs, 20);
  EXPECT_EQ(start->genome, ConvNetGenomeToText(DefaultNashStart()));
  EXPECT_FALSE(Next(nash).has_value()) << "step 1 waits for the start net";
  Evaluate(0, 0.5);

  // Step 1: two morphed children of the start, then the start continued.
  for (int j = 0; j < 3; ++j) {
    auto p = Next(nash);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->parent_id, 100);
    EXPECT_EQ(p->epochs, 17);
    if (j < 2) {
      EXPECT_FALSE(p->morphisms.empty());
      auto morphisms = ParseMorphisms(p->morphisms);
      ASSERT_TRUE(morphisms.ok());
      EXPECT_EQ(morphisms->size(), 5u);
      auto child = ApplyAllToGenome(DefaultNashStart(), *morphisms);
      ASSERT_TRUE(child.ok());
      EXPECT_EQ(ConvNetGenomeToText(*child), p->genome);
    } else {
      EXPECT_EQ(p->mutation, "continue");
      EXPECT_TRUE(p->morphisms.empty());
      EXPECT_EQ(p->genome, start->genome);
    }
  }
  EXPECT_FALSE(Next(nash).has_value()) << "step 2 waits for all of step 1";
  Evaluate(1, 0.6);
  Evaluate(2, 0.8);
  EXPECT_FALSE(Next(nash).has_value());
  view_.history[3].state = State::kFailed;  // A failed neighbour does not block.

  // Step 2 grows from birth 2, the best of step 1.
  for (int j = 0; j < 3; ++j) {
    auto p = Next(nash);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->parent_id, 102);
  }
  // Checkpoints of step 1's losers and of the start can go; the winner stays.
  std::vector<int64_t> release = nash.ReleasableCheckpoints(view_);
  EXPECT_EQ(release, (std::vector<int64_t>{100, 101}));

  Evaluate(4, 0.7);
  Evaluate(5, 0.9);
  Evaluate(6, 0.85);
  auto final = Next(nash);
  ASSERT_TRUE(final.has_value());
  EXPECT_EQ(final->parent_id, 105);
  EXPECT_EQ(final->mutation, "continue");
  EXPECT_EQ(final->epochs, 20);
}

TEST_F(NashTest, FailedStartIsRetriedFromScratch) {
  NashHillClimbing nash(nash_);
  Next(nash);
  view_.history[0].state = State::kFailed;
  auto p = Next(nash);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->mutation, "start");
  EXPECT_EQ(p->parent_id, 0);
}

}  // namespace
}  // namespace nas
