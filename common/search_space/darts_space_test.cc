#include "common/search_space/darts_space.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace nas {
namespace {

int CountDifferences(const DartsGenome& a, const DartsGenome& b) {
  int diffs = 0;
  const DartsCell* ac[2] = {&a.normal, &a.reduce};
  const DartsCell* bc[2] = {&b.normal, &b.reduce};
  for (int c = 0; c < 2; ++c) {
    for (size_t n = 0; n < ac[c]->nodes.size(); ++n) {
      for (int e = 0; e < 2; ++e) {
        diffs += !(ac[c]->nodes[n][e] == bc[c]->nodes[n][e]);
      }
    }
  }
  return diffs;
}

TEST(DartsSpaceTest, RandomGenomesAreValidAndVaried) {
  SeededRandom rng(3);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const DartsGenome g = RandomDartsGenome(4, rng);
    ASSERT_TRUE(ValidateDartsGenome(g).ok());
    seen.insert(DartsGenomeToText(g));
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(DartsSpaceTest, SameSeedSameGenome) {
  SeededRandom a(11), b(11);
  EXPECT_EQ(RandomDartsGenome(4, a), RandomDartsGenome(4, b));
}

TEST(DartsSpaceTest, MutationChangesExactlyOneThingOrNothing) {
  SeededRandom rng(9);
  int identity = 0, hidden = 0, op = 0;
  for (int i = 0; i < 600; ++i) {
    const DartsGenome parent = RandomDartsGenome(1 + i % 5, rng);
    const DartsMutation m = MutateDartsGenome(parent, rng);
    ASSERT_TRUE(ValidateDartsGenome(m.child).ok()) << m.description;
    const std::string& d = m.description;
    if (d == "identity") {
      ++identity;
      EXPECT_EQ(m.child, parent);
      continue;
    }
    // Canonical reordering can swap a node's two pairs, so compare texts of
    // the changed pair count loosely: one node differs, genome differs.
    EXPECT_NE(DartsGenomeToText(m.child), DartsGenomeToText(parent)) << d;
    EXPECT_LE(CountDifferences(m.child, parent), 2) << d;
    if (d.rfind("hidden_state", 0) == 0) ++hidden;
    if (d.rfind("op", 0) == 0) ++op;
  }
  EXPECT_EQ(identity + hidden + op, 600);
  EXPECT_GT(identity, 150);
  EXPECT_GT(hidden, 150);
  EXPECT_GT(op, 150);
}

}  // namespace
}  // namespace nas
