#include "worker/tfnas/supernet.h"

#include <set>

#include "gtest/gtest.h"

namespace nas {
namespace {

TfNasSpace TinySpace() {
  TfNasSpaceOptions o;
  o.image_size = 8;
  o.width_multiplier = 0.25;
  o.max_layers_per_stage = 3;
  return *MakeTfNasSpace(o);
}

// Latency = 1 ms per mid channel, base 10 ms.
LatencyTable WidthTable(const TfNasSpace& space) {
  LatencyTable t;
  t.base_ms = 10;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    for (int l = 0; l < space.stages[s].max_layers; ++l) {
      const TfNasLayerShape shape = LayerShape(space, s, l);
      for (const TfNasOp& op : SpaceOps(space)) {
        for (int w = 1; w <= 8 * shape.in_channels; ++w)
          t.blocks[BlockLatencyKey(shape, op)][w] = w;
      }
    }
  }
  return t;
}

TEST(TfNasSupernetTest, BiSamplingPicksTwoDistinctPathsAndCoversTheOthers) {
  torch::manual_seed(1);
  TfNasSupernet net(TinySpace());
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(1);
  std::set<int> random_ops;
  for (int trial = 0; trial < 60; ++trial) {
    const BiSample b = net->SampleBiPaths(1.0, gen);
    ASSERT_EQ(b.gumbel.ops.size(), static_cast<size_t>(net->num_layers()));
    ASSERT_EQ(b.random.ops.size(), b.gumbel.ops.size());
    for (size_t l = 0; l < b.gumbel.ops.size(); ++l) {
      EXPECT_NE(b.gumbel.ops[l], b.random.ops[l]) << "layer " << l;
      EXPECT_FLOAT_EQ(b.gumbel.weights[l].item<float>(), 1.0f);  // Hard one-hot value.
    }
    random_ops.insert(b.random.ops[0]);
  }
  EXPECT_EQ(random_ops.size(), 8u);  // The default space's 8 ops.
}

TEST(TfNasSupernetTest, GradientsReachArchitectureParameters) {
  torch::manual_seed(2);
  TfNasSupernet net(TinySpace());
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(2);
  const torch::Tensor x = torch::randn({4, 1, 8, 8});
  const torch::Tensor y = torch::tensor({0, 1, 2, 3}, torch::kLong);
  // Straight-through Gumbel path: log_alphas of every layer get a gradient.
  const BiSample b = net->SampleBiPaths(1.0, gen);
  torch::nn::functional::cross_entropy(net->ForwardPath(x, b.gumbel), y).backward();
  for (const auto& p : net->arch_parameters()) {
    if (p.numel() == 1) continue;  // A one-layer stage's depth is fixed.
    ASSERT_TRUE(p.grad().defined());
    EXPECT_GT(p.grad().abs().sum().item<double>(), 0);
  }
  // The random path gives the weights a gradient but none to log_alphas.
  for (auto& p : net->parameters()) p.mutable_grad() = torch::Tensor();
  torch::nn::functional::cross_entropy(net->ForwardPath(x, b.random), y).backward();
  EXPECT_FALSE(net->layer(0, 0)->log_alphas.grad().defined());
  EXPECT_GT(net->betas(0).grad().abs().sum().item<double>(), 0);  // Sink weights.
  // The mixture reaches every op's weight of every layer.
  for (auto& p : net->parameters()) p.mutable_grad() = torch::Tensor();
  torch::nn::functional::cross_entropy(net->ForwardMixture(x, 5.0, gen), y).backward();
  for (const auto& p : net->arch_parameters()) {
    if (p.numel() > 1) {
      EXPECT_GT(p.grad().abs().sum().item<double>(), 0);
    }
  }
}

TEST(TfNasSupernetTest, SinkDepthAndWidthMaskShapes) {
  const TfNasSpace space = TinySpace();
  TfNasSupernet net(space);
  EXPECT_EQ(net->arch_parameters().size(), static_cast<size_t>(net->num_layers()) + 6);
  for (size_t s = 0; s < space.stages.size(); ++s) {
    EXPECT_EQ(net->betas(s).sizes(), (std::vector<int64_t>{space.stages[s].max_layers}));
    for (int l = 0; l < space.stages[s].max_layers; ++l) {
      MixedLayer& layer = net->layer(s, l);
      EXPECT_EQ(layer->log_alphas.sizes(), (std::vector<int64_t>{8}));
      for (int op = 0; op < 8; ++op) {
        const WidthRange r =
            MidChannelRange(LayerShape(space, s, l).in_channels, SpaceOps(space)[op].expansion);
        EXPECT_EQ(layer->mask(op).size(0), r.max);
        EXPECT_EQ(layer->mask(op).sum().item<int64_t>(), r.initial);
        EXPECT_EQ(layer->width(op), r.initial);
      }
    }
  }
  // Shrinking keeps the channels whose depthwise kernels have the largest L1 norm.
  MixedLayer& layer = net->layer(1, 0);
  layer->SetWidth(3, 5);
  EXPECT_EQ(layer->mask(3).sum().item<int64_t>(), 5);
  EXPECT_EQ(layer->width(3), 5);
  layer->SetWidth(3, 1000);  // Grows, up to the op's maximum.
  EXPECT_EQ(layer->width(3), layer->mask(3).size(0));
  // ApplyWidths then Widths: the genome's layers carry their widths.
  auto g = ParseTfNasGenome("k3e3w9 | k5e6w40 k3e3w30 | k5e3sew30 | k3e3w50 | k3e3w70 | k3e3w100");
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(ValidateGenomeInSpace(space, *g).ok()) << ValidateGenomeInSpace(space, *g);
  net->ApplyWidths(*g);
  const auto widths = net->Widths();
  EXPECT_EQ(widths[0][0][OpIndex(space, 3, 3)], 9);
  EXPECT_EQ(widths[1][0][OpIndex(space, 5, 6)], 40);
  EXPECT_EQ(widths[1][1][OpIndex(space, 3, 3)], 30);
  EXPECT_EQ(widths[2][0][OpIndex(space, 5, 3, /*se=*/true)], 30);
  EXPECT_EQ(widths[2][0][OpIndex(space, 5, 3)], MidChannelRange(12, 3).initial);
}

// Every layer holds the SE variants of its ops, each with the reference's SE
// bottleneck, and the search can train and pick them.
TEST(TfNasSupernetTest, LayersHoldSqueezeExcitationOps) {
  torch::manual_seed(3);
  const TfNasSpace space = TinySpace();
  TfNasSupernet net(space);
  const std::vector<TfNasOp> ops = SpaceOps(space);
  ASSERT_EQ(ops.size(), 8u);
  for (size_t s = 0; s < space.stages.size(); ++s) {
    const int in = LayerShape(space, s, 0).in_channels;
    auto params = net->layer(s, 0)->named_parameters();
    for (size_t i = 0; i < ops.size(); ++i) {
      const std::string reduce = "op" + std::to_string(i) + ".se_reduce.weight";
      if (!ops[i].se) {
        EXPECT_EQ(params.find(reduce), nullptr) << reduce;
        continue;
      }
      ASSERT_NE(params.find(reduce), nullptr) << reduce;
      const int max = MidChannelRange(in, ops[i].expansion).max;
      EXPECT_EQ(params[reduce].sizes(),
                (std::vector<int64_t>{in * ops[i].expansion / 3, max, 1, 1}));
    }
  }
  // A path through SE ops only trains their SE weights.
  PathChoice path;
  for (int l = 0; l < net->num_layers(); ++l) {
    path.ops.push_back(OpIndex(space, 3, 6, /*se=*/true));
    path.weights.emplace_back();
  }
  const torch::Tensor x = torch::randn({4, 1, 8, 8});
  const torch::Tensor y = torch::tensor({0, 1, 2, 3}, torch::kLong);
  torch::nn::functional::cross_entropy(net->ForwardPath(x, path), y).backward();
  const int se_op = OpIndex(space, 3, 6, /*se=*/true);
  auto params = net->layer(1, 0)->named_parameters();
  const std::string prefix = "op" + std::to_string(se_op);
  EXPECT_GT(params[prefix + ".se_expand.weight"].grad().abs().sum().item<double>(), 0);
  EXPECT_FALSE(params["op0.depthwise.weight"].grad().defined());
  // The argmax path follows log_alphas onto an SE op.
  {
    torch::NoGradGuard no_grad;
    net->layer(1, 0)->log_alphas[se_op] += 5;
  }
  EXPECT_EQ(net->ArgmaxPath().ops[space.stages[0].max_layers], se_op);
}

TEST(TfNasSupernetTest, ExpectedLatencyFollowsTheDistributionsAndHasGradients) {
  const TfNasSpace space = TinySpace();
  const LatencyTable table = WidthTable(space);
  const SpaceLatencies lat = *SpaceLatencies::Create(space, table);
  TfNasSupernet net(space);
  // Uniform: E = base + sum_s sum_d (1/D) * sum_{l<d} mean_op(initial width).
  double expected = 10;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    const int depth = space.stages[s].max_layers;
    double prefix = 0;
    for (int l = 0; l < depth; ++l) {
      const int in = LayerShape(space, s, l).in_channels;
      prefix += (3 * in + 6 * in) / 2.0;
      expected += prefix / depth;
    }
  }
  const torch::Tensor e = net->ExpectedLatency(lat);
  EXPECT_NEAR(e.item<double>(), expected, 1e-3 * expected);
  e.backward();
  EXPECT_GT(net->betas(2).grad().abs().sum().item<double>(), 0);
  // More mass on e6 (wider) ops raises the latency gradient-wise: d/dalpha > 0 for e6.
  const torch::Tensor g = net->layer(0, 0)->log_alphas.grad();
  EXPECT_GT(g[1].item<double>(), 0);
  EXPECT_LT(g[0].item<double>(), 0);
}

}  // namespace
}  // namespace nas
