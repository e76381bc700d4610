#include "common/genome/nasbench201_genome.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

constexpr char kBest[] =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
    "nor_conv_3x3~1|nor_conv_1x1~2|";

TEST(Nb201GenomeTest, RoundTripsTheBenchmarkForm) {
  auto g = ParseNb201Genome(kBest);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->edges[0], Nb201Op::kNorConv3x3);
  EXPECT_EQ(g->edges[3], Nb201Op::kSkipConnect);
  EXPECT_EQ(g->edges[5], Nb201Op::kNorConv1x1);
  EXPECT_EQ(Nb201GenomeToText(*g), kBest);
}

TEST(Nb201GenomeTest, EveryCellRoundTrips) {
  for (int code = 0; code < 15625; ++code) {
    Nb201Genome g;
    int c = code;
    for (auto& e : g.edges) {
      e = static_cast<Nb201Op>(c % kNumNb201Ops);
      c /= kNumNb201Ops;
    }
    auto back = ParseNb201Genome(Nb201GenomeToText(g));
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(*back, g);
  }
}

TEST(Nb201GenomeTest, RejectsBadTextNamingThePlace) {
  EXPECT_THAT(ParseNb201Genome("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|")
                  .status().message(),
              HasSubstr("node 1 edge 0: unknown op 'conv'"));
  EXPECT_THAT(ParseNb201Genome("|none~0|+|none~0|none~2|+|none~0|none~1|none~2|")
                  .status().message(),
              HasSubstr("node 2 edge 1: expected 'op~1'"));
  EXPECT_THAT(ParseNb201Genome("|none~0|+|none~0|+|none~0|none~1|none~2|")
                  .status().message(),
              HasSubstr("node 2 must have 2 edges"));
  EXPECT_FALSE(ParseNb201Genome("").ok());
}

}  // namespace
}  // namespace nas
