#include "common/random/seeded_random.h"

#include <vector>

#include "gtest/gtest.h"

namespace nas {
namespace {

TEST(SeededRandomTest, SameSeedSameStream) {
  SeededRandom a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    differs |= (x != c.Next());
  }
  EXPECT_TRUE(differs);
}

TEST(SeededRandomTest, KnownValuesAreStableAcrossPlatforms) {
  // Reproducible lineages depend on these exact numbers never changing.
  SeededRandom r(0);
  EXPECT_EQ(r.Next(), 0xe220a8397b1dcdafull);
  EXPECT_EQ(DeriveSeed(7, 0), DeriveSeed(7, 0));
  EXPECT_NE(DeriveSeed(7, 0), DeriveSeed(7, 1));
  EXPECT_NE(DeriveSeed(7, 1), DeriveSeed(8, 1));
}

TEST(SeededRandomTest, UniformCoversRangeEvenly) {
  SeededRandom r(1);
  std::vector<int> counts(7, 0);
  const int draws = 70000;
  for (int i = 0; i < draws; ++i) {
    const int x = r.Uniform(7);
    ASSERT_GE(x, 0);
    ASSERT_LT(x, 7);
    ++counts[x];
  }
  for (int c : counts) EXPECT_NEAR(c, draws / 7, 400);
  for (int i = 0; i < 1000; ++i) {
    const double d = r.UniformDouble();
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
  }
}

}  // namespace
}  // namespace nas
