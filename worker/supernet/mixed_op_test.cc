#include "worker/supernet/mixed_op.h"

#include "gtest/gtest.h"

namespace nas {
namespace {

torch::Tensor Uniform() { return torch::full({kNumMixedOps}, 1.0 / kNumMixedOps); }

struct ShapeCase {
  int64_t k, stride, size;
};

class MixedOpShapeTest : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(MixedOpShapeTest, OutputHasCeilOfHalvedSize) {
  const ShapeCase c = GetParam();
  torch::manual_seed(0);
  MixedOp op(8, c.stride, c.k);
  const torch::Tensor y = op->forward(torch::randn({2, 8, c.size, c.size}), Uniform());
  const int64_t expected = (c.size + c.stride - 1) / c.stride;
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 8, expected, expected}));
}

INSTANTIATE_TEST_SUITE_P(AllShapes, MixedOpShapeTest,
                         ::testing::Values(ShapeCase{1, 1, 8}, ShapeCase{1, 1, 7},
                                           ShapeCase{1, 2, 8}, ShapeCase{1, 2, 7},
                                           ShapeCase{4, 1, 8}, ShapeCase{4, 1, 7},
                                           ShapeCase{4, 2, 8}, ShapeCase{4, 2, 7}));

TEST(MixedOpTest, PartialChannelsBypassUnchangedUpToShuffle) {
  torch::manual_seed(1);
  for (int64_t stride : {1, 2}) {
    MixedOp op(8, stride, 4);
    const torch::Tensor x = torch::randn({3, 8, 7, 7});
    const torch::Tensor y = ChannelUnshuffle(op->forward(x, Uniform()), 4);
    torch::Tensor bypass = x.slice(1, 2);
    if (stride == 2) {
      bypass = torch::max_pool2d(bypass, {2, 2}, {2, 2}, {0, 0}, {1, 1}, true);
    }
    EXPECT_TRUE(torch::equal(y.slice(1, 2), bypass)) << "stride " << stride;
    // The mixed part really is mixed: not a copy of its input.
    if (stride == 1) {
      EXPECT_FALSE(torch::equal(y.slice(1, 0, 2), x.slice(1, 0, 2)));
    }
  }
}

TEST(MixedOpTest, ShuffleInterleavesGroups) {
  const torch::Tensor x = torch::arange(8).view({1, 8, 1, 1});
  const torch::Tensor y = ChannelShuffle(x, 4).flatten();
  EXPECT_TRUE(torch::equal(y, torch::tensor({0, 2, 4, 6, 1, 3, 5, 7})));
  EXPECT_TRUE(torch::equal(ChannelUnshuffle(ChannelShuffle(x, 4), 4), x));
}

TEST(MixedOpTest, OneHotNoneGivesZeros) {
  torch::manual_seed(2);
  torch::Tensor w = torch::zeros({kNumMixedOps});
  w[kNoneOpIndex] = 1.0;
  for (int64_t stride : {1, 2}) {
    MixedOp op(4, stride, 1);
    const torch::Tensor y = op->forward(torch::randn({2, 4, 5, 5}), w);
    EXPECT_EQ(y.abs().max().item<double>(), 0.0);
    EXPECT_EQ(y.size(2), stride == 1 ? 5 : 3);
  }
}

TEST(MixedOpTest, OneHotSkipIsIdentityAtStrideOne) {
  torch::Tensor w = torch::zeros({kNumMixedOps});
  w[MixedOpIndex(DartsOp::kSkipConnect)] = 1.0;
  MixedOp op(4, 1, 1);
  const torch::Tensor x = torch::randn({2, 4, 5, 5});
  EXPECT_TRUE(torch::allclose(op->forward(x, w), x));
}

// The search form of DARTS's reference code: BatchNorm without affine
// parameters (only the convolutions learn), so the architecture weights alone
// scale each op's contribution.
TEST(MixedOpTest, HasNoAffineBatchNormParameters) {
  MixedOp op(8, 2, 1);
  int convolutions = 0;
  for (const auto& p : op->named_parameters()) {
    EXPECT_EQ(p.value().dim(), 4) << p.key() << " is not a convolution's weight";
    ++convolutions;
  }
  EXPECT_GT(convolutions, 0);
}

// Each pool is followed by a BatchNorm, as in the reference supernet: its
// output is normalised per channel like the parametric ops', not left at the
// input's scale (here a mean of 5).
TEST(MixedOpTest, PoolOutputsAreBatchNormalised) {
  torch::manual_seed(1);
  for (DartsOp pool : {DartsOp::kMaxPool3x3, DartsOp::kAvgPool3x3}) {
    MixedOp op(8, 1, 1);
    op->train();
    torch::Tensor one_hot = torch::zeros({kNumMixedOps});
    one_hot[1 + static_cast<int>(pool)] = 1;
    const torch::Tensor y = op->forward(torch::randn({16, 8, 6, 6}) + 5, one_hot);
    const torch::Tensor mean = y.mean({0, 2, 3});
    const torch::Tensor var = y.var({0, 2, 3}, /*unbiased=*/false);
    EXPECT_LT(mean.abs().max().item<double>(), 1e-4) << DartsOpName(pool);
    EXPECT_NEAR(var.mean().item<double>(), 1.0, 1e-2) << DartsOpName(pool);
  }
}

TEST(MixedOpTest, RejectsChannelsNotDivisibleByK) { EXPECT_THROW(MixedOp(6, 1, 4), c10::Error); }

}  // namespace
}  // namespace nas
