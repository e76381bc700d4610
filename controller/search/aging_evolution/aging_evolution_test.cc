#include "controller/search/aging_evolution/aging_evolution.h"

#include <map>

#include "gtest/gtest.h"

namespace nas {
namespace {

std::unique_ptr<SearchSpace> DartsSpace() {
  v1::SearchSpace space;
  space.mutable_darts_cell()->set_nodes(2);
  return *MakeSearchSpace(space);
}

TEST(AgingEvolutionTest, InitialMembersAreRandomThenWaitsForThem) {
  AgingEvolution ae(3, 2);
  auto space = DartsSpace();
  SeededRandom rng(1);
  SearchView view;
  view.budget = 10;
  for (int i = 0; i < 3; ++i) {
    view.births = i;
    auto p = ae.Propose(view, *space, rng);
    ASSERT_TRUE(p.ok() && p->has_value());
    EXPECT_EQ((*p)->parent_id, 0);
    EXPECT_EQ((*p)->mutation, "random");
  }
  view.births = 3;
  view.unfinished = 1;
  view.unfinished_initial = 1;
  auto wait = ae.Propose(view, *space, rng);
  ASSERT_TRUE(wait.ok());
  EXPECT_FALSE(wait->has_value());
}

TEST(AgingEvolutionTest, ParentIsFittestOfTournament) {
  // With S = P and many draws the fittest member is almost always sampled;
  // with S = 1 every member is a parent about equally often.
  auto space = DartsSpace();
  SeededRandom rng(2);
  SearchView view;
  view.budget = 100;
  view.births = 4;
  for (int i = 0; i < 4; ++i) {
    view.population.push_back({100 + i, i, 0.1 * (i + 1), space->RandomGenome(rng)});
  }
  std::map<int64_t, int> parents_s4, parents_s1;
  AgingEvolution greedy(4, 4), uniform(4, 1);
  for (int i = 0; i < 400; ++i) {
    ++parents_s4[(*greedy.Propose(view, *space, rng))->parent_id];
    ++parents_s1[(*uniform.Propose(view, *space, rng))->parent_id];
  }
  EXPECT_GT(parents_s4[103], 400 * 0.6);  // 1 - (3/4)^4 = 0.68
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(parents_s1[100 + i], 100, 35);
}

TEST(AgingEvolutionTest, ChildIsAMutationOfTheParent) {
  auto space = DartsSpace();
  SeededRandom rng(3);
  SearchView view;
  view.budget = 100;
  view.births = 2;
  view.population.push_back({1, 0, 0.9, space->RandomGenome(rng)});
  view.population.push_back({2, 1, 0.1, space->RandomGenome(rng)});
  AgingEvolution ae(2, 2);
  for (int i = 0; i < 50; ++i) {
    auto p = ae.Propose(view, *space, rng);
    ASSERT_TRUE(p.ok() && p->has_value());
    const Proposal& child = **p;
    const PopulationMember& parent = child.parent_id == 1 ? view.population[0]
                                                          : view.population[1];
    if (child.mutation == "identity") {
      EXPECT_EQ(child.genome, parent.genome);
    } else {
      EXPECT_NE(child.genome, parent.genome) << child.mutation;
    }
    EXPECT_TRUE(space->Canonicalize(child.genome).ok());
  }
}

}  // namespace
}  // namespace nas
