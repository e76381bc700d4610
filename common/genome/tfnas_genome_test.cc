#include "common/genome/tfnas_genome.h"

#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

TEST(TfNasGenomeTest, ParsesCanonicalText) {
  auto g = ParseTfNasGenome("k3e6w96 k5e3w48 | k7e6w120");
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->stages.size(), 2u);
  ASSERT_EQ(g->stages[0].layers.size(), 2u);
  EXPECT_EQ(g->stages[0].layers[1], (TfNasLayer{5, 3, 48}));
  EXPECT_EQ(g->stages[1].layers[0], (TfNasLayer{7, 6, 120}));
  EXPECT_EQ(TfNasGenomeToText(*g), "k3e6w96 k5e3w48 | k7e6w120");
}

TEST(TfNasGenomeTest, SqueezeExcitationIsMarkedPerLayer) {
  auto g = ParseTfNasGenome("k3e6sew96 k5e3w48 | k5e6sew120");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->stages[0].layers[0], (TfNasLayer{3, 6, 96, /*se=*/true}));
  EXPECT_EQ(g->stages[0].layers[1], (TfNasLayer{5, 3, 48, /*se=*/false}));
  EXPECT_TRUE(g->stages[1].layers[0].se);
  EXPECT_EQ(TfNasGenomeToText(*g), "k3e6sew96 k5e3w48 | k5e6sew120");
  // The same op without SE is a different genome.
  EXPECT_FALSE(*g == *ParseTfNasGenome("k3e6w96 k5e3w48 | k5e6w120"));
}

TEST(TfNasGenomeTest, ToleratesWhitespace) {
  auto g = ParseTfNasGenome("  k3e3w8\n\tk5e6w16|k7e3w4  ");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(TfNasGenomeToText(*g), "k3e3w8 k5e6w16 | k7e3w4");
}

TEST(TfNasGenomeTest, RandomGenomesRoundTrip) {
  std::mt19937 rng(11);
  const int kernels[] = {3, 5, 7};
  for (int trial = 0; trial < 200; ++trial) {
    TfNasGenome g;
    const int stages = 1 + rng() % kMaxTfNasStages;
    for (int s = 0; s < stages; ++s) {
      TfNasStage stage;
      const int depth = 1 + rng() % kMaxTfNasLayersPerStage;
      for (int l = 0; l < depth; ++l) {
        stage.layers.push_back({kernels[rng() % 3], rng() % 2 ? 3 : 6,
                                1 + static_cast<int>(rng() % 2000), rng() % 2 == 0});
      }
      g.stages.push_back(stage);
    }
    ASSERT_TRUE(ValidateTfNasGenome(g).ok());
    auto parsed = ParseTfNasGenome(TfNasGenomeToText(g));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, g) << TfNasGenomeToText(g);
  }
}

void ExpectError(absl::string_view text, absl::string_view message) {
  auto g = ParseTfNasGenome(text);
  ASSERT_FALSE(g.ok()) << text;
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(g.status().message()), HasSubstr(std::string(message))) << text;
}

TEST(TfNasGenomeTest, ErrorsNameStageLayerFieldAndRule) {
  ExpectError("k3e6w96 | k4e3w8", "stage 2, layer 1, kernel: 4 must be 3, 5 or 7");
  ExpectError("k3e6w96 k3e4w8", "stage 1, layer 2, expansion: 4 must be 3 or 6");
  ExpectError("k3e6w0", "stage 1, layer 1, width: 0 must be in 1..65536");
  ExpectError("k3e6w96 | k3e3", "stage 2, layer 1: expected k<kernel>e<expansion>[se]w<width>");
  ExpectError("k3e6sw96", "got 'k3e6sw96'");
  ExpectError("k3e6sesew96", "got 'k3e6sesew96'");
  ExpectError("k3se6w96", "got 'k3se6w96'");
  ExpectError("k3e6w96 | | k3e3w9", "stage 2, depth: has 0 layers; must have 1..8");
  ExpectError("", "stage 1, depth: has 0 layers");
  ExpectError("k3e6w96x", "got 'k3e6w96x'");
  ExpectError("k3e6w9999999999", "stage 1, layer 1: expected");
}

TEST(TfNasGenomeTest, ValidateLimitsStagesAndDepth) {
  TfNasGenome g;
  EXPECT_THAT(std::string(ValidateTfNasGenome(g).message()), HasSubstr("stages: has 0"));
  g.stages.resize(kMaxTfNasStages + 1, TfNasStage{{TfNasLayer{}}});
  EXPECT_THAT(std::string(ValidateTfNasGenome(g).message()),
              HasSubstr("stages: has 9; must have 1..8"));
  g.stages.resize(1);
  g.stages[0].layers.resize(kMaxTfNasLayersPerStage + 1);
  EXPECT_THAT(std::string(ValidateTfNasGenome(g).message()),
              HasSubstr("stage 1, depth: has 9 layers; must have 1..8"));
}

}  // namespace
}  // namespace nas
