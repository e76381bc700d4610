#include "common/genome/tfnas_space.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::ElementsAre;
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

TEST(TfNasSpaceTest, DefaultOpsAreThePapersEight) {
  const TfNasSpace space = *MakeTfNasSpace({});
  std::vector<std::string> names;
  for (const TfNasOp& op : SpaceOps(space)) names.push_back(OpName(op));
  EXPECT_THAT(names,
              ElementsAre("k3e3", "k3e6", "k5e3", "k5e6", "k3e3se", "k3e6se", "k5e3se", "k5e6se"));
  for (size_t i = 0; i < SpaceOps(space).size(); ++i) {
    const TfNasOp op = SpaceOps(space)[i];
    EXPECT_EQ(OpIndex(space, op.kernel, op.expansion, op.se), static_cast<int>(i)) << i;
  }
  EXPECT_EQ(OpIndex(space, 7, 3), -1);
  // The reference's SE bottleneck: in channels for e3, twice them for e6.
  EXPECT_EQ(SeChannels(24, {3, 3, true}), 24);
  EXPECT_EQ(SeChannels(24, {5, 6, true}), 48);
  EXPECT_EQ(SeChannels(24, {5, 6, false}), 0);
}

TEST(TfNasSpaceTest, KernelSevenAndSeAreOptions) {
  TfNasSpaceOptions o;
  o.kernels = {3, 5, 7};
  EXPECT_EQ(SpaceOps(*MakeTfNasSpace(o)).size(), 12u);
  o.squeeze_excitation = {false};
  const TfNasSpace plain = *MakeTfNasSpace(o);
  std::vector<std::string> names;
  for (const TfNasOp& op : SpaceOps(plain)) names.push_back(OpName(op));
  EXPECT_THAT(names, ElementsAre("k3e3", "k3e6", "k5e3", "k5e6", "k7e3", "k7e6"));
  EXPECT_EQ(OpIndex(plain, 3, 3, /*se=*/true), -1);
  o.squeeze_excitation = {true};
  const TfNasSpace se_only = *MakeTfNasSpace(o);
  EXPECT_EQ(OpIndex(se_only, 7, 6, /*se=*/true), 5);
  EXPECT_EQ(OpIndex(se_only, 3, 3), -1);
  for (const std::vector<bool>& bad :
       {std::vector<bool>{}, {true, false}, {false, false}, {false, true, true}}) {
    o.squeeze_excitation = bad;
    EXPECT_THAT(std::string(MakeTfNasSpace(o).status().message()),
                HasSubstr("squeeze_excitation must be [false], [true] or [false, true]"));
  }
}

TEST(TfNasSpaceTest, LatencyKeysSaySe) {
  TfNasSpaceOptions o;
  o.image_size = 224;
  o.image_channels = 3;
  o.num_classes = 1000;
  const TfNasSpace space = *MakeTfNasSpace(o);
  const TfNasLayerShape shape = LayerShape(space, 2, 1);  // 80 -> 80 channels.
  EXPECT_EQ(BlockLatencyKey(shape, TfNasOp{5, 3, false}),
            "MBInvertedResBlock_14_80_0_80_k5_s1_swish");
  EXPECT_EQ(BlockLatencyKey(shape, TfNasOp{5, 6, false}),
            "MBInvertedResBlock_14_80_0_80_k5_s1_swish");
  EXPECT_EQ(BlockLatencyKey(shape, TfNasOp{5, 3, true}),
            "MBInvertedResBlock_14_80_80_80_k5_s1_swish");
  EXPECT_EQ(BlockLatencyKey(shape, TfNasOp{5, 6, true}),
            "MBInvertedResBlock_14_80_160_80_k5_s1_swish");
}

TEST(TfNasSpaceTest, OpsAndWidthRanges) {
  TfNasSpaceOptions o;
  o.kernels = {3, 5, 7};
  o.squeeze_excitation = {false};
  TfNasSpace space = *MakeTfNasSpace(o);
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
  EXPECT_TRUE(ValidateGenomeInSpace(space, genome("k3e3sew32" + rest)).ok());
  o.squeeze_excitation = {false};
  EXPECT_THAT(
      std::string(ValidateGenomeInSpace(*MakeTfNasSpace(o), genome("k3e3sew32" + rest)).message()),
      HasSubstr("stage 1, layer 1, se: true is not allowed by the space's squeeze_excitation"));
  EXPECT_THAT(
      std::string(ValidateGenomeInSpace(space, genome("k3e3w32 k3e3w48 k3e3w48" + rest)).message()),
      HasSubstr("stage 1, depth: 3 must be <= 2"));
  EXPECT_THAT(std::string(ValidateGenomeInSpace(space, genome("k3e3w32")).message()),
              HasSubstr("stages: has 1; the space has 6"));
}

}  // namespace
}  // namespace nas
