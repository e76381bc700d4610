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

TEST(TfNasNetworkTest, BuildsTheGenomeAndRejectsOneOutsideTheSpace) {
  TfNasSpaceOptions so;
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
