#include "common/genome/tfnas_space.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

TEST(TfNasSpaceTest, ImageNetSizeGivesThePapersSpace) {
  TfNasSpaceOptions o;
  o.image_size = 224;
  o.image_channels = 3;
  o.num_classes = 1000;
  auto space = MakeTfNasSpace(o);
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_EQ(space->stem_stride, 2);
  EXPECT_EQ(space->stem_channels, 32);
  EXPECT_EQ(space->first_block_channels, 16);
  EXPECT_EQ(FinalFeatureSize(*space), 7);
  const int strides[] = {2, 2, 2, 1, 2, 1};
  const int channels[] = {24, 40, 80, 112, 192, 320};
  for (int s = 0; s < 6; ++s) {
    EXPECT_EQ(space->stages[s].stride, strides[s]) << s;
    EXPECT_EQ(space->stages[s].out_channels, channels[s]) << s;
  }
  EXPECT_EQ(BlockLatencyKey(LayerShape(*space, 0, 0), 3),
            "MBInvertedResBlock_112_16_0_24_k3_s2_relu");
  EXPECT_EQ(BlockLatencyKey(LayerShape(*space, 2, 1), 5),
            "MBInvertedResBlock_14_80_0_80_k5_s1_swish");
  EXPECT_EQ(BlockLatencyKey(LayerShape(*space, 5, 0), 3),
            "MBInvertedResBlock_7_192_0_320_k3_s1_swish");
  EXPECT_TRUE(LayerShape(*space, 2, 1).residual);
  EXPECT_FALSE(LayerShape(*space, 2, 0).residual);
}

TEST(TfNasSpaceTest, SmallImagesHalveLess) {
  TfNasSpaceOptions o;
  o.image_size = 28;
  auto space = MakeTfNasSpace(o);
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_EQ(space->stem_stride, 1);
  EXPECT_EQ(space->stages[0].stride, 2);
  EXPECT_EQ(space->stages[2].stride, 2);
  EXPECT_EQ(FinalFeatureSize(*space), 7);
  o.image_size = 8;
  o.width_multiplier = 0.25;
  o.max_layers_per_stage = 2;
  space = MakeTfNasSpace(o);
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_EQ(FinalFeatureSize(*space), 4);
  EXPECT_EQ(space->stages[0].out_channels, 8);  // 24 / 4 = 6, rounded to a multiple of 4.
  EXPECT_EQ(space->stages[1].max_layers, 2);
  EXPECT_EQ(space->stages[5].max_layers, 1);
}

TEST(TfNasSpaceTest, OpsAndWidthRanges) {
  TfNasSpace space = *MakeTfNasSpace({});
  EXPECT_EQ(SpaceOps(space).size(), 6u);
  EXPECT_EQ(OpIndex(space, 5, 6), 3);
  EXPECT_EQ(OpIndex(space, 4, 6), -1);
  const WidthRange e3 = MidChannelRange(24, 3), e6 = MidChannelRange(24, 6);
  EXPECT_EQ(e3.min, 48);
  EXPECT_EQ(e3.initial, 72);
  EXPECT_EQ(e3.max, 96);
  EXPECT_EQ(e6.min, 96);
  EXPECT_EQ(e6.max, 192);
}

TEST(TfNasSpaceTest, RejectsBadOptionsAndGenomes) {
  TfNasSpaceOptions o;
  o.max_layers_per_stage = 0;
  EXPECT_THAT(std::string(MakeTfNasSpace(o).status().message()), HasSubstr("max_layers_per_stage"));
  o = {};
  o.kernels = {5, 3};
  EXPECT_THAT(std::string(MakeTfNasSpace(o).status().message()),
              HasSubstr("kernels must be ascending"));
  o = {};
  o.kernels = {3, 5};
  const TfNasSpace space = *MakeTfNasSpace(o);
  // Stage 1 reads 16 channels: widths 32..64 (e3) and 64..128 (e6).
  auto genome = [](const std::string& text) { return *ParseTfNasGenome(text); };
  const std::string rest = " | k3e3w48 | k3e3w100 | k3e3w200 | k3e3w300 | k3e3w400";
  EXPECT_TRUE(ValidateGenomeInSpace(space, genome("k3e3w32" + rest)).ok());
  EXPECT_THAT(std::string(ValidateGenomeInSpace(space, genome("k3e3w31" + rest)).message()),
              HasSubstr("stage 1, layer 1, width: 31 must be in 32..64 for expansion 3"));
  EXPECT_THAT(std::string(ValidateGenomeInSpace(space, genome("k7e3w32" + rest)).message()),
              HasSubstr("stage 1, layer 1, kernel: 7 is not one of the space's kernels"));
  EXPECT_THAT(
      std::string(ValidateGenomeInSpace(space, genome("k3e3w32 k3e3w48 k3e3w48" + rest)).message()),
      HasSubstr("stage 1, depth: 3 must be <= 2"));
  EXPECT_THAT(std::string(ValidateGenomeInSpace(space, genome("k3e3w32")).message()),
              HasSubstr("stages: has 1; the space has 6"));
}

}  // namespace
}  // namespace nas
