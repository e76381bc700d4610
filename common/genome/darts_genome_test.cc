#include "common/genome/darts_genome.h"

#include "common/genome/stable_hash.h"
#include "common/random/seeded_random.h"
#include "common/search_space/darts_space.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

constexpr char kTwoNodes[] =
    "normal: sep_conv_3x3(0)+skip_connect(1) | max_pool_3x3(0)+dil_conv_5x5(2)"
    " ; reduce: avg_pool_3x3(0)+sep_conv_5x5(1) | skip_connect(1)+"
    "dil_conv_3x3(2)";

TEST(DartsGenomeTest, ParsesAndWritesCanonicalText) {
  auto g = ParseDartsGenome(kTwoNodes);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->normal.nodes.size(), 2u);
  EXPECT_EQ(g->normal.nodes[1][1].input, 2);
  EXPECT_EQ(g->normal.nodes[1][1].op, DartsOp::kDilConv5x5);
  EXPECT_EQ(DartsGenomeToText(*g), kTwoNodes);
}

TEST(DartsGenomeTest, PairOrderAndWhitespaceDoNotChangeCanonicalForm) {
  auto a = ParseDartsGenome(kTwoNodes);
  auto b = ParseDartsGenome(
      "  normal:skip_connect( 1 ) + sep_conv_3x3(0)|dil_conv_5x5(2)+"
      "max_pool_3x3(0);reduce: sep_conv_5x5(1)+avg_pool_3x3(0) | "
      "dil_conv_3x3(2)+skip_connect(1)  ");
  ASSERT_TRUE(a.ok() && b.ok()) << b.status();
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(DartsGenomeToText(*a), DartsGenomeToText(*b));
  EXPECT_EQ(StableTextHash(DartsGenomeToText(*a)),
            StableTextHash(DartsGenomeToText(*b)));
}

TEST(DartsGenomeTest, RandomGenomesRoundTripThroughText) {
  SeededRandom rng(5);
  for (int i = 0; i < 200; ++i) {
    const DartsGenome g = RandomDartsGenome(1 + i % 8, rng);
    ASSERT_TRUE(ValidateDartsGenome(g).ok());
    const std::string text = DartsGenomeToText(g);
    auto back = ParseDartsGenome(text);
    ASSERT_TRUE(back.ok()) << back.status() << " for " << text;
    EXPECT_EQ(*back, g);
    EXPECT_EQ(DartsGenomeToText(*back), text);
  }
}

TEST(DartsGenomeTest, HashIsStableAndDiscriminates) {
  // Stored hashes must stay valid across releases: pin known values.
  EXPECT_EQ(StableTextHash(""), "cbf29ce484222325");
  EXPECT_EQ(StableTextHash("a"), "af63dc4c8601ec8c");
  auto a = ParseDartsGenome(kTwoNodes);
  ASSERT_TRUE(a.ok());
  DartsGenome b = *a;
  b.reduce.nodes[0][0].op = DartsOp::kMaxPool3x3;
  EXPECT_NE(StableTextHash(DartsGenomeToText(*a)),
            StableTextHash(DartsGenomeToText(b)));
}

TEST(DartsGenomeTest, RejectsUnknownOpNamingIt) {
  auto g = ParseDartsGenome(
      "normal: conv_7x7(0)+skip_connect(1) ; reduce: "
      "skip_connect(0)+skip_connect(1)");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(g.status().message(), HasSubstr("normal cell, node 0"));
  EXPECT_THAT(g.status().message(), HasSubstr("unknown op 'conv_7x7'"));
}

TEST(DartsGenomeTest, RejectsInputThatReadsALaterNode) {
  auto g = ParseDartsGenome(
      "normal: skip_connect(0)+skip_connect(1) ; reduce: "
      "skip_connect(0)+sep_conv_3x3(2)");
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(g.status().message(),
              HasSubstr("reduce cell, node 0, edge 1: input 2 out of range"));
}

TEST(DartsGenomeTest, RejectsMismatchedNodeCounts) {
  auto g = ParseDartsGenome(
      "normal: skip_connect(0)+skip_connect(1) | skip_connect(0)+"
      "skip_connect(2) ; reduce: skip_connect(0)+skip_connect(1)");
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(g.status().message(), HasSubstr("same node count"));
}

TEST(DartsGenomeTest, RejectsMalformedText) {
  for (const char* bad : {
           "",
           "normal: skip_connect(0)+skip_connect(1)",
           "reduce: skip_connect(0)+skip_connect(1) ; normal: "
           "skip_connect(0)+skip_connect(1)",
           "normal: skip_connect(0) ; reduce: skip_connect(0)+skip_connect(1)",
           "normal: skip_connect(x)+skip_connect(1) ; reduce: "
           "skip_connect(0)+skip_connect(1)",
           "normal: skip_connect0+skip_connect(1) ; reduce: "
           "skip_connect(0)+skip_connect(1)",
       }) {
    auto g = ParseDartsGenome(bad);
    EXPECT_FALSE(g.ok()) << bad;
    EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(DartsGenomeTest, ValidateRejectsTooManyNodes) {
  SeededRandom rng(1);
  DartsGenome g = RandomDartsGenome(8, rng);
  g.normal.nodes.push_back(g.normal.nodes.back());
  g.reduce.nodes.push_back(g.reduce.nodes.back());
  const absl::Status s = ValidateDartsGenome(g);
  EXPECT_THAT(s.message(), HasSubstr("has 9 nodes; must have 1..8"));
}

TEST(DartsGenomeTest, ReadableTextNamesInputs) {
  auto g = ParseDartsGenome(kTwoNodes);
  ASSERT_TRUE(g.ok());
  const std::string text = DartsGenomeToReadableText(*g);
  EXPECT_THAT(text, HasSubstr("node 2 = sep_conv_3x3(c_{k-2}) + "
                              "skip_connect(c_{k-1})"));
  EXPECT_THAT(text, HasSubstr("reduction cell:"));
}

}  // namespace
}  // namespace nas
