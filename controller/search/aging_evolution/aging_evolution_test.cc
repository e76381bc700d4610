#include "controller/search/aging_evolution/aging_evolution.h"

#include <algorithm>
#include <cmath>
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

// Each member's chance of being the parent is exact: S draws with replacement
// from P members, the fittest drawn wins, so the member ranked r-th from the
// worst (r = 1..P) wins with probability (r/P)^S - ((r-1)/P)^S. Fitness is
// unrelated to age, so a rule that favours young or old members fails.
TEST(AgingEvolutionTest, ParentIsTheFittestOfSDrawsWithExactlyTheTournamentOdds) {
  auto space = DartsSpace();
  const std::vector<double> fitness_by_age = {0.3, 0.9, 0.1, 0.5, 0.7};  // Oldest first.
  const int p = static_cast<int>(fitness_by_age.size());
  SearchView view;
  view.budget = 100;
  view.births = p;
  SeededRandom genomes(1);
  for (int i = 0; i < p; ++i) {
    view.population.push_back({100 + i, i, fitness_by_age[i], space->RandomGenome(genomes)});
  }
  for (int s : {1, 2, 3}) {
    SeededRandom rng(10 + s);
    AgingEvolution ae(p, s);
    std::map<int64_t, int> parents;
    constexpr int kDraws = 20000;
    for (int i = 0; i < kDraws; ++i) ++parents[(*ae.Propose(view, *space, rng))->parent_id];
    for (int i = 0; i < p; ++i) {
      const int rank =
          1 + static_cast<int>(std::count_if(fitness_by_age.begin(), fitness_by_age.end(),
                                             [&](double f) { return f < fitness_by_age[i]; }));
      const double chance = std::pow(double(rank) / p, s) - std::pow(double(rank - 1) / p, s);
      const double sd = std::sqrt(kDraws * chance * (1 - chance));
      EXPECT_NEAR(parents[100 + i], kDraws * chance, 5 * sd + 1)
          << "S=" << s << ", member of age rank " << i << " (fitness rank " << rank << ")";
    }
  }
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
    const PopulationMember& parent = child.parent_id == 1 ? view.population[0] : view.population[1];
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
