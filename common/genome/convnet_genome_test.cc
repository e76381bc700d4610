#include "common/genome/convnet_genome.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/genome/stable_hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ConvNetGenome MustParse(const std::string& text) {
  auto genome = ParseConvNetGenome(text);
  EXPECT_TRUE(genome.ok()) << text << ": " << genome.status();
  return genome.ok() ? *genome : ConvNetGenome{};
}

std::string ParseError(const std::string& text) {
  auto genome = ParseConvNetGenome(text);
  EXPECT_EQ(genome.status().code(), absl::StatusCode::kInvalidArgument) << text;
  return std::string(genome.status().message());
}

TEST(ConvNetGenomeTest, DefaultNashStartIsSmallConvPoolConvPoolConv) {
  const ConvNetGenome start = DefaultNashStart();
  EXPECT_TRUE(ValidateConvNetGenome(start).ok());
  EXPECT_EQ(ConvNetGenomeToText(start), "conv3x8 pool conv3x16 pool conv3x32");
  EXPECT_EQ(MustParse(ConvNetGenomeToText(start)), start);
}

TEST(ConvNetGenomeTest, ParsesAnyOrderIntoCanonicalText) {
  const ConvNetGenome g = MustParse(
      "conv3x8 concat( 0 , 2 ) conv5x8\tadd(0,2) conv1x8 pool conv3x4 add(1,3) concat(0,3)");
  EXPECT_EQ(ConvNetGenomeToText(g),
            "conv3x8 conv5x8 conv1x8 pool conv3x4 add(0,2) concat(0,2) "
            "concat(0,3) add(1,3)");
  EXPECT_EQ(MustParse(ConvNetGenomeToText(g)), g);
  // Skip order in the text does not change the network, so neither the
  // canonical text nor its hash.
  const ConvNetGenome same = MustParse(
      "add(1,3) concat(0,3) conv3x8 conv5x8 conv1x8 pool conv3x4 concat(0,2) add(0,2)");
  EXPECT_EQ(StableTextHash(ConvNetGenomeToText(same)),
            StableTextHash(ConvNetGenomeToText(g)));
}

TEST(ConvNetGenomeTest, ChannelsFollowConcatsAndPools) {
  // Layer 3 (pool) reads conv2 (8) + concat of conv0 (4) + concat of conv1 (6);
  // the head reads conv4 (5) + the pool's 18.
  const ConvNetGenome g = MustParse(
      "conv3x4 conv3x6 conv3x8 pool conv1x5 concat(0,3) concat(1,3) concat(3,5)");
  const ConvNetChannels c = ComputeChannels(g, 3);
  EXPECT_THAT(c.in, ElementsAre(3, 4, 6, 18, 18, 23));
  EXPECT_THAT(c.out, ElementsAre(4, 6, 8, 18, 5));
}

TEST(ConvNetGenomeTest, SkipsMayEnterTheHead) {
  const ConvNetGenome g = MustParse("conv3x8 conv3x8 add(0,2) concat(0,2)");
  EXPECT_EQ(ComputeChannels(g, 1).in.back(), 16);
}

TEST(ConvNetGenomeTest, SameResolutionLooksOnlyBetweenTheEnds) {
  const ConvNetGenome g = MustParse("conv3x8 pool conv3x8 conv3x8 pool");
  EXPECT_FALSE(SameResolution(g, 0, 2));  // Crosses layer 1.
  EXPECT_TRUE(SameResolution(g, 1, 3));   // A pool may be the source...
  EXPECT_TRUE(SameResolution(g, 2, 4));   // ...or the consumer.
  EXPECT_FALSE(SameResolution(g, 3, 5));  // The head reads out[4], a pool.
}

TEST(ConvNetGenomeTest, ErrorsNameThePlaceAndTheRule) {
  EXPECT_THAT(ParseError(""), HasSubstr("has 0 layers; must have 1..64"));
  EXPECT_THAT(ParseError("pool conv3x8"), HasSubstr("layer 0: must be a conv"));
  EXPECT_THAT(ParseError("conv3x8 conv4x8"),
              HasSubstr("layer 1 (conv4x8): kernel size 4 must be 1, 3 or 5"));
  EXPECT_THAT(ParseError("conv3x0"), HasSubstr("layer 0 (conv3x0): width 0 must be in 1..1024"));
  EXPECT_THAT(ParseError("conv3x1025"), HasSubstr("width 1025 must be in 1..1024"));
  EXPECT_THAT(ParseError("conv3x8 relu"), HasSubstr("token 1 'relu': unknown"));
  EXPECT_THAT(ParseError("conv3x"), HasSubstr("token 0 'conv3x': expected conv<kernel>x<width>"));
  EXPECT_THAT(ParseError("conv3x8 add(1)"), HasSubstr("token 1 'add(1)': expected add(<from>,<to>)"));
  EXPECT_THAT(ParseError("conv3x8 conv3x8 add(0,1)"),
              HasSubstr("skip add(0,1): needs 0 <= from and from + 2 <= to <= 2"));
  EXPECT_THAT(ParseError("conv3x8 conv3x8 concat(0,3)"), HasSubstr("skip concat(0,3): needs"));
  EXPECT_THAT(ParseError("conv3x8 pool conv3x8 add(0,3)"),
              HasSubstr("skip add(0,3): crosses a pool"));
  EXPECT_THAT(ParseError("conv3x8 conv3x16 conv3x8 add(1,3)"),
              HasSubstr("skip add(1,3): adds 16 channels (layer 1) to 8 (layer 2)"));
  EXPECT_THAT(ParseError("conv3x8 conv3x8 conv3x8 add(0,2) add(0,2)"),
              HasSubstr("skip add(0,2): appears twice"));
  std::string too_deep;
  for (int i = 0; i < 65; ++i) absl::StrAppend(&too_deep, "conv1x1 ");
  EXPECT_THAT(ParseError(too_deep), HasSubstr("has 65 layers; must have 1..64"));
}

TEST(ConvNetGenomeTest, ConcatenatedChannelsAreCapped) {
  // The head reads conv4 (1024) plus four concatenated 1024-channel outputs.
  EXPECT_THAT(ParseError("conv1x1024 conv1x1024 conv1x1024 conv1x1024 conv1x1024 "
                         "concat(0,5) concat(1,5) concat(2,5) concat(3,5)"),
              HasSubstr("the head: reads more than 4096 channels"));
  EXPECT_TRUE(ParseConvNetGenome("conv1x1024 conv1x1024 conv1x1024 conv1x1024 conv1x1024 "
                                 "concat(1,5) concat(2,5) concat(3,5)")
                  .ok());
}

TEST(ConvNetGenomeTest, ValidateChecksStructsBuiltInCode) {
  ConvNetGenome g = DefaultNashStart();
  g.skips.push_back({ConvNetSkipKind::kAdd, 4, 9});
  EXPECT_THAT(std::string(ValidateConvNetGenome(g).message()), HasSubstr("skip add(4,9)"));
  g.skips.clear();
  g.layers[2].kernel_size = 7;
  EXPECT_THAT(std::string(ValidateConvNetGenome(g).message()), HasSubstr("layer 2 (conv7x16)"));
}

}  // namespace
}  // namespace nas
