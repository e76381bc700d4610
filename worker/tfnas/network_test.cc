#include "worker/tfnas/network.h"

#include "gtest/gtest.h"
#include "worker/tfnas/blocks.h"

namespace nas {
namespace {

// Copies the kept mid channels of `wide` into `narrow`.
void CopyKept(MbConv& wide, MbConv& narrow, const torch::Tensor& keep) {
  torch::NoGradGuard no_grad;
  auto w = wide->named_parameters();
  auto n = narrow->named_parameters();
  n["expand.weight"].copy_(w["expand.weight"].index_select(0, keep));
  for (const char* bn : {"expand_bn", "depthwise_bn"}) {
    for (const char* p : {".weight", ".bias"}) {
      n[std::string(bn) + p].copy_(w[std::string(bn) + p].index_select(0, keep));
    }
  }
  n["depthwise.weight"].copy_(w["depthwise.weight"].index_select(0, keep));
  n["project.weight"].copy_(w["project.weight"].index_select(1, keep));
  n["project_bn.weight"].copy_(w["project_bn.weight"]);
  n["project_bn.bias"].copy_(w["project_bn.bias"]);
  if (wide->options().se_channels > 0) {
    n["se_reduce.weight"].copy_(w["se_reduce.weight"].index_select(1, keep));
    n["se_reduce.bias"].copy_(w["se_reduce.bias"]);
    n["se_expand.weight"].copy_(w["se_expand.weight"].index_select(0, keep));
    n["se_expand.bias"].copy_(w["se_expand.bias"].index_select(0, keep));
  }
}

MbConvOptions SmallBlock(int se_channels) {
  MbConvOptions o;
  o.in_channels = 4;
  o.mid_channels = 12;
  o.out_channels = 4;
  o.kernel = 5;
  o.swish = true;
  o.se_channels = se_channels;
  return o;
}

// Every parameter random, so that BN and SE biases show in the output.
MbConv RandomBlock(const MbConvOptions& o) {
  MbConv block(o);
  torch::NoGradGuard no_grad;
  for (auto& p : block->parameters()) p.normal_();
  return block;
}

// Copies every parameter `to` has from `from` (same names, same shapes).
void CopyShared(MbConv& from, MbConv& to) {
  torch::NoGradGuard no_grad;
  auto f = from->named_parameters();
  for (auto& p : to->named_parameters()) p.value().copy_(f[p.key()]);
}

TEST(MbConvTest, MaskedBlockComputesTheNarrowBlock) {
  torch::manual_seed(0);
  MbConvOptions o;
  o.in_channels = 4;
  o.mid_channels = 12;
  o.out_channels = 4;
  o.kernel = 5;
  o.swish = true;
  MbConv wide(o);
  // Random BN affine parameters, so that a masked channel would show.
  for (auto& p : wide->parameters()) p.data().normal_();
  const torch::Tensor keep = torch::tensor({1, 4, 5, 9, 11}, torch::kLong);
  torch::Tensor mask = torch::zeros({12});
  mask.index_fill_(0, keep, 1);
  o.mid_channels = 5;
  MbConv narrow(o);
  CopyKept(wide, narrow, keep);
  const torch::Tensor x = torch::randn({3, 4, 6, 6});
  const torch::Tensor masked = wide->forward(x, mask);
  EXPECT_TRUE(torch::allclose(masked, narrow->forward(x), 1e-4, 1e-5));
  EXPECT_FALSE(torch::allclose(masked, wide->forward(x), 1e-4, 1e-5));
  EXPECT_EQ(masked.sizes(), x.sizes());  // Residual kept the shape.
}

TEST(MbConvTest, SqueezeExcitationShapes) {
  TfNasSpaceOptions so;
  so.image_size = 8;
  so.width_multiplier = 0.25;
  so.max_layers_per_stage = 2;
  const TfNasSpace space = *MakeTfNasSpace(so);
  // Stage 2 reads 8 channels: SE bottleneck 8 for e3, 16 for e6, any width.
  const MbConvOptions e3 = LayerBlockOptions(space, 1, 0, {3, 3, true}, 20);
  const MbConvOptions e6 = LayerBlockOptions(space, 1, 0, {5, 6, true}, 50);
  EXPECT_EQ(e3.se_channels, 8);
  EXPECT_EQ(e6.se_channels, 16);
  EXPECT_EQ(LayerBlockOptions(space, 1, 0, {5, 6, false}, 50).se_channels, 0);
  MbConv block(e6);
  ASSERT_FALSE(block->se_reduce().is_empty());
  EXPECT_EQ(block->se_reduce()->weight.sizes(), (std::vector<int64_t>{16, 50, 1, 1}));
  EXPECT_EQ(block->se_reduce()->bias.sizes(), (std::vector<int64_t>{16}));
  EXPECT_EQ(block->se_expand()->weight.sizes(), (std::vector<int64_t>{50, 16, 1, 1}));
  EXPECT_EQ(block->se_expand()->bias.sizes(), (std::vector<int64_t>{50}));
  EXPECT_TRUE(MbConv(LayerBlockOptions(space, 1, 0, {5, 6, false}, 50))->se_reduce().is_empty());
  const torch::Tensor x = torch::randn({2, 8, 4, 4});
  EXPECT_EQ(block->forward(x).sizes(), (std::vector<int64_t>{2, 12, 4, 4}));
}

// The gate really scales the mid channels: forced open (sigmoid = 1) the
// SE block is the plain block; forced shut on some channels it is the
// plain block with those channels masked out.
TEST(MbConvTest, SqueezeExcitationGateScalesChannels) {
  torch::manual_seed(1);
  MbConv se = RandomBlock(SmallBlock(/*se_channels=*/4));
  MbConv plain(SmallBlock(0));
  CopyShared(se, plain);
  const torch::Tensor x = torch::randn({3, 4, 6, 6});
  EXPECT_FALSE(torch::allclose(se->forward(x), plain->forward(x), 1e-4, 1e-5))
      << "a random gate must change the output";
  {
    torch::NoGradGuard no_grad;
    se->se_expand()->weight.zero_();
    se->se_expand()->bias.fill_(40);  // sigmoid(40) = 1 in float.
  }
  EXPECT_TRUE(torch::allclose(se->forward(x), plain->forward(x), 1e-4, 1e-5));
  const torch::Tensor shut = torch::tensor({0, 3, 7}, torch::kLong);
  {
    torch::NoGradGuard no_grad;
    se->se_expand()->bias.index_fill_(0, shut, -40);  // sigmoid(-40) ~ 4e-18.
  }
  torch::Tensor mask = torch::ones({12});
  mask.index_fill_(0, shut, 0);
  EXPECT_TRUE(torch::allclose(se->forward(x), plain->forward(x, mask), 1e-4, 1e-5));
  EXPECT_FALSE(torch::allclose(se->forward(x), plain->forward(x), 1e-4, 1e-5));
}

// Elastic width with SE: the masked wide block is the narrow SE block.
TEST(MbConvTest, MaskedSqueezeExcitationBlockComputesTheNarrowBlock) {
  torch::manual_seed(2);
  MbConv wide = RandomBlock(SmallBlock(/*se_channels=*/4));
  const torch::Tensor keep = torch::tensor({0, 2, 5, 6, 10}, torch::kLong);
  torch::Tensor mask = torch::zeros({12});
  mask.index_fill_(0, keep, 1);
  MbConvOptions o = SmallBlock(4);
  o.mid_channels = 5;
  MbConv narrow(o);
  CopyKept(wide, narrow, keep);
  const torch::Tensor x = torch::randn({3, 4, 6, 6});
  EXPECT_TRUE(torch::allclose(wide->forward(x, mask), narrow->forward(x), 1e-4, 1e-5));
}

TEST(TfNasNetworkTest, BuildsSqueezeExcitationLayers) {
  TfNasSpaceOptions so;
  so.image_size = 8;
  so.width_multiplier = 0.25;
  so.max_layers_per_stage = 2;
  const TfNasSpace space = *MakeTfNasSpace(so);
  auto genome =
      ParseTfNasGenome("k3e3sew8 k5e6w40 | k5e3sew24 | k3e6sew72 | k3e3w60 | k5e3sew84 | k3e6w288");
  ASSERT_TRUE(genome.ok()) << genome.status();
  auto net = BuildTfNasNetwork(space, *genome);
  ASSERT_TRUE(net.ok()) << net.status();
  int se_blocks = 0;
  for (const auto& item : (*net)->named_parameters()) {
    if (item.key().find("se_reduce.weight") != std::string::npos) ++se_blocks;
  }
  EXPECT_EQ(se_blocks, 4);
  EXPECT_EQ((*net)->forward(torch::randn({2, 1, 8, 8})).sizes(), (std::vector<int64_t>{2, 10}));
}

TEST(TfNasNetworkTest, BuildsTheGenomeAndRejectsOneOutsideTheSpace) {
  TfNasSpaceOptions so;
  so.kernels = {3, 5, 7};  // The genome uses a 7x7 kernel, an option off by default.
  so.image_size = 8;
  so.width_multiplier = 0.25;
  so.max_layers_per_stage = 2;
  const TfNasSpace space = *MakeTfNasSpace(so);
  // Stage inputs: 4, 8, 12, 20, 28, 48 channels.
  auto genome =
      ParseTfNasGenome("k3e3w8 k7e6w64 | k5e3w24 | k3e6w72 | k3e3w60 | k5e3w84 | k3e6w288");
  ASSERT_TRUE(genome.ok()) << genome.status();
  auto net = BuildTfNasNetwork(space, *genome);
  ASSERT_TRUE(net.ok()) << net.status();
  const torch::Tensor logits = (*net)->forward(torch::randn({2, 1, 8, 8}));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 10}));
  genome->stages[0].layers[0].mid_channels = 100;
  EXPECT_EQ(BuildTfNasNetwork(space, *genome).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nas
