#include "controller/search/pareto.h"

#include <limits>

#include "gtest/gtest.h"

namespace nas {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ParetoTest, DominanceNeedsNoWorseEverywhereAndBetterSomewhere) {
  EXPECT_TRUE(Dominates({0.9, -10}, {0.8, -10}));
  EXPECT_TRUE(Dominates({0.9, -5}, {0.8, -10}));
  EXPECT_FALSE(Dominates({0.9, -10}, {0.9, -10}));  // Equal: neither.
  EXPECT_FALSE(Dominates({0.9, -20}, {0.8, -10}));  // A trade-off: neither.
  EXPECT_FALSE(Dominates({0.8, -10}, {0.9, -20}));
  EXPECT_FALSE(Dominates({1, 1}, {0, 0, 0}));  // Different objectives.
}

TEST(ParetoTest, RanksPeelFrontsOffInTurn) {
  // (accuracy, -parameters): a, b, c trade off; d is dominated by b only;
  // e by d (and so by b); f equals a.
  const std::vector<Scores> points = {{0.9, -100}, {0.8, -50}, {0.6, -10},
                                      {0.7, -60},  {0.5, -70}, {0.9, -100}};
  EXPECT_EQ(NonDominatedRanks(points), (std::vector<int>{0, 0, 0, 1, 2, 0}));
}

TEST(ParetoTest, CrowdingGivesExtremesInfinityAndInteriorTheirNeighboursGap) {
  const std::vector<Scores> front = {{1.0, -40}, {0.75, -30}, {0.5, -10}, {0.0, 0}};
  const std::vector<double> d = CrowdingDistances(front);
  EXPECT_EQ(d[0], kInf);
  EXPECT_EQ(d[3], kInf);
  // Point 1: (1.0 - 0.5) / 1.0 + (-10 - -40) / 40 = 0.5 + 0.75.
  EXPECT_DOUBLE_EQ(d[1], 1.25);
  // Point 2: (0.75 - 0.0) / 1.0 + (0 - -30) / 40 = 0.75 + 0.75.
  EXPECT_DOUBLE_EQ(d[2], 1.5);
}

// A single-objective rule (the highest first score, the first listed among
// equals) would pick point 0, 2 and 0; Pareto order picks otherwise.
TEST(ParetoTest, BestIsLowestRankThenMostIsolatedThenFirst) {
  // Equal accuracy, fewer parameters: the second dominates the first.
  EXPECT_EQ(ParetoBest({{0.9, -1000}, {0.9, -100}}), 1);
  // All on one front: the extremes (infinite crowding) beat the interior
  // point; between them the first listed, here the least accurate.
  EXPECT_EQ(ParetoBest({{0.7, -100}, {0.8, -500}, {0.9, -1000}}), 0);
  // Point 0 is dominated by point 1; 1 and 2 form the front.
  EXPECT_EQ(ParetoBest({{0.6, -60}, {0.6, -50}, {0.5, -40}}), 1);
}

TEST(ParetoTest, AmongInteriorPointsTheMostIsolatedComesFirst) {
  // Crowding alone (one front, extremes 0 and 4): 2 has the larger gap.
  const std::vector<Scores> front = {{0.0, 0}, {0.2, -5}, {0.6, -8}, {0.7, -9}, {1.0, -10}};
  const std::vector<double> d = CrowdingDistances(front);
  EXPECT_DOUBLE_EQ(d[1], 0.6 + 0.8);  // (0.6 - 0.0) / 1 + (0 - -8) / 10
  EXPECT_DOUBLE_EQ(d[2], 0.5 + 0.4);  // (0.7 - 0.2) / 1 + (-5 - -9) / 10
  EXPECT_DOUBLE_EQ(d[3], 0.4 + 0.2);  // (1.0 - 0.6) / 1 + (-8 - -10) / 10
}

}  // namespace
}  // namespace nas
