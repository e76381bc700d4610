#include "controller/search/local_search/local_search.h"

#include <set>

#include "absl/strings/match.h"
#include "common/genome/darts_genome.h"
#include "common/genome/nasbench201_genome.h"
#include "common/search_space/search_space.h"
#include "controller/search/local_search/neighbours.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

v1::SearchSpace Nb201Space() {
  v1::SearchSpace space;
  space.mutable_nasbench201();
  return space;
}

// A landscape with one optimum: how many edges are nor_conv_3x3.
double Conv3x3Edges(const std::string& genome) {
  const Nb201Genome g = *ParseNb201Genome(genome);
  double n = 0;
  for (Nb201Op op : g.edges) n += op == Nb201Op::kNorConv3x3;
  return n;
}

// Proposes and evaluates one individual at a time, as one worker would.
struct SequentialRun {
  explicit SequentialRun(const v1::SearchSpace& proto) : strategy(proto) {
    space = *MakeSearchSpace(proto);
  }
  // False if the strategy waited.
  bool Step(uint64_t seed) {
    SeededRandom rng(seed);
    auto proposal = strategy.Propose(view, *space, rng);
    EXPECT_TRUE(proposal.ok()) << proposal.status();
    if (!proposal->has_value()) return false;
    const Proposal& p = **proposal;
    HistoryEntry e;
    e.individual_id = 1000 + view.births;
    e.birth_order = view.births++;
    e.genome = p.genome;
    e.parent_id = p.parent_id;
    e.state = HistoryEntry::State::kEvaluated;
    e.fitness = Conv3x3Edges(p.genome);
    view.history.push_back(e);
    return true;
  }
  LocalSearch strategy;
  std::unique_ptr<SearchSpace> space;
  SearchView view;
};

TEST(NeighboursTest, Nb201HasTwentyFourDistinctOneEditNeighbours) {
  const std::string genome = "|none~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|";
  auto n = Neighbours(Nb201Space(), genome);
  ASSERT_TRUE(n.ok()) << n.status();
  std::set<std::string> distinct;
  for (const Neighbour& x : *n) {
    distinct.insert(x.genome);
    const Nb201Genome a = *ParseNb201Genome(genome), b = *ParseNb201Genome(x.genome);
    int differing = 0;
    for (int e = 0; e < kNumNb201Edges; ++e) differing += a.edges[e] != b.edges[e];
    EXPECT_EQ(differing, 1) << x.genome;
  }
  EXPECT_EQ(n->size(), 24u);
  EXPECT_EQ(distinct.size(), 24u);
}

TEST(NeighboursTest, DartsNeighboursAreValidDistinctAndNotTheGenome) {
  v1::SearchSpace proto;
  proto.mutable_darts_cell()->set_nodes(4);
  auto space = *MakeSearchSpace(proto);
  SeededRandom rng(3);
  const std::string genome = space->RandomGenome(rng);
  auto n = Neighbours(proto, genome);
  ASSERT_TRUE(n.ok()) << n.status();
  std::set<std::string> distinct;
  for (const Neighbour& x : *n) {
    EXPECT_NE(x.genome, genome);
    auto canonical = space->Canonicalize(x.genome);
    ASSERT_TRUE(canonical.ok()) << canonical.status();
    EXPECT_EQ(*canonical, x.genome);
    distinct.insert(x.genome);
  }
  EXPECT_EQ(distinct.size(), n->size());
  // Ops: 2 cells x 4 nodes x 2 edges x 6 other ops, plus rewired inputs.
  EXPECT_GT(n->size(), 96u);
}

TEST(NeighboursTest, OtherSpacesAreRefusedByName) {
  v1::SearchSpace convnet;
  convnet.mutable_convnet();
  EXPECT_TRUE(absl::StrContains(Neighbours(convnet, "conv3x8").status().message(),
                                "strategy.local_search"));
}

TEST(LocalSearchTest, ClimbsToTheOptimumOfASmoothLandscape) {
  SequentialRun run(Nb201Space());
  for (uint64_t i = 0; i < 200 && run.Step(i); ++i) {
    double best = 0;
    for (const auto& e : run.view.history) best = std::max(best, e.fitness);
    if (best == 6) break;
  }
  double best = 0;
  for (const auto& e : run.view.history) best = std::max(best, e.fitness);
  EXPECT_EQ(best, 6);  // Every edge nor_conv_3x3; greedy ascent needs <= 6 moves.
  // Every evaluation was a start or a neighbour of an evaluated architecture.
  std::set<int64_t> ids;
  for (const auto& e : run.view.history) {
    EXPECT_TRUE(e.parent_id == 0 || ids.count(e.parent_id) > 0) << e.genome;
    ids.insert(e.individual_id);
  }
}

TEST(LocalSearchTest, ProposesNeighboursInParallelThenWaitsForThem) {
  LocalSearch strategy(Nb201Space());
  auto space = *MakeSearchSpace(Nb201Space());
  SearchView view;
  SeededRandom rng(5);
  auto start = strategy.Propose(view, *space, rng);
  ASSERT_TRUE(start.ok() && start->has_value());
  EXPECT_EQ((*start)->parent_id, 0);
  view.history.push_back({7, 0, HistoryEntry::State::kPending, 0, (*start)->genome, false, 0, false});
  view.births = 1;
  // The start is not evaluated yet: nothing to explore from.
  EXPECT_FALSE(strategy.Propose(view, *space, rng)->has_value());
  view.history[0].state = HistoryEntry::State::kEvaluated;
  view.history[0].fitness = 0.5;
  std::set<std::string> proposed;
  for (int i = 0; i < 24; ++i) {
    auto p = strategy.Propose(view, *space, rng);
    ASSERT_TRUE(p.ok() && p->has_value()) << i;
    EXPECT_EQ((*p)->parent_id, 7);
    EXPECT_TRUE(absl::StartsWith((*p)->mutation, "local search: edge "));
    proposed.insert((*p)->genome);
    view.history.push_back({0, view.births++, HistoryEntry::State::kPending, 0, (*p)->genome,
                            false, 7, false});
  }
  EXPECT_EQ(proposed.size(), 24u);
  EXPECT_FALSE(strategy.Propose(view, *space, rng)->has_value());  // All 24 in flight.
  // None beats the start: restart from a fresh random architecture.
  for (size_t i = 1; i < view.history.size(); ++i) {
    view.history[i].state = HistoryEntry::State::kEvaluated;
    view.history[i].fitness = 0.4;
    view.history[i].individual_id = 100 + i;
  }
  auto restart = strategy.Propose(view, *space, rng);
  ASSERT_TRUE(restart.ok() && restart->has_value());
  EXPECT_EQ((*restart)->parent_id, 0);
  EXPECT_EQ((*restart)->mutation, "random");
  EXPECT_EQ(proposed.count((*restart)->genome), 0u);
  // One neighbour is better: move there and explore its neighbours instead.
  view.history[5].fitness = 0.9;
  auto moved = strategy.Propose(view, *space, rng);
  ASSERT_TRUE(moved.ok() && moved->has_value());
  EXPECT_EQ((*moved)->parent_id, view.history[5].individual_id);
}

}  // namespace
}  // namespace nas
