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

// Two objectives (accuracy, -parameters). Member 1 has member 0's accuracy
// with a tenth of its parameters, so it dominates it; member 2 is dominated
// by both. With S = P = 3 draws, member 1 wins whenever drawn (probability
// 1 - (2/3)^3 = 19/27), member 0 when drawn without 1 ((2/3)^3 - (1/3)^3 =
// 7/27), member 2 only alone (1/27). The single-objective rule (the first of
// equal fitness) would give member 0 the draws where it precedes member 1.
TEST(AgingEvolutionTest, WithTwoObjectivesTheParentIsNonDominatedInTheSample) {
  auto space = DartsSpace();
  SeededRandom genomes(1);
  std::vector<PopulationMember> population;
  const std::vector<std::vector<double>> scores = {{0.9, -1000}, {0.9, -100}, {0.5, -5000}};
  for (int i = 0; i < 3; ++i) {
    population.push_back({100 + i, i, scores[i][0], space->RandomGenome(genomes), scores[i]});
  }
  SeededRandom rng(7);
  std::map<int64_t, int> wins;
  constexpr int kDraws = 27000;
  for (int i = 0; i < kDraws; ++i) ++wins[TournamentWinner(population, 3, rng)->individual_id];
  const double chances[] = {7.0 / 27, 19.0 / 27, 1.0 / 27};
  for (int i = 0; i < 3; ++i) {
    const double sd = std::sqrt(kDraws * chances[i] * (1 - chances[i]));
    EXPECT_NEAR(wins[100 + i], kDraws * chances[i], 5 * sd) << "member " << i;
  }
}

// Three members on one front: in a sample of all three the extremes (0 and
// 2) have infinite crowding distance and the middle one loses; in a smaller
// sample every member is an extreme. Among equals the first drawn wins. Each
// tournament is replayed with the same seed and checked against that rule.
TEST(AgingEvolutionTest, WithTwoObjectivesEqualRanksGoByCrowdingThenDrawOrder) {
  auto space = DartsSpace();
  SeededRandom genomes(1);
  std::vector<PopulationMember> population;
  const std::vector<std::vector<double>> scores = {{0.9, -1000}, {0.8, -500}, {0.7, -100}};
  for (int i = 0; i < 3; ++i) {
    population.push_back({100 + i, i, scores[i][0], space->RandomGenome(genomes), scores[i]});
  }
  SeededRandom rng(9), replay(9);
  int least_accurate_wins = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<int> drawn;
    for (int k = 0; k < 3; ++k) {
      const int d = replay.Uniform(3);
      if (std::find(drawn.begin(), drawn.end(), d) == drawn.end()) drawn.push_back(d);
    }
    // Every distinct sample of 1 or 2 members is all extremes of itself; of
    // 3, members 0 and 2 are: the first drawn of those wins.
    int expected = drawn[0];
    if (drawn.size() == 3) expected = drawn[0] != 1 ? drawn[0] : drawn[1];
    const PopulationMember* winner = TournamentWinner(population, 3, rng);
    ASSERT_EQ(winner->individual_id, 100 + expected) << "draw " << i;
    if (expected == 2) ++least_accurate_wins;
  }
  // A single-objective rule never lets member 2 beat a sampled member 0.
  EXPECT_GT(least_accurate_wins, 600);
}

}  // namespace
}  // namespace nas
