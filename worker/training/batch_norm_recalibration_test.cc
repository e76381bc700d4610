#include "worker/training/batch_norm_recalibration.h"

#include "gtest/gtest.h"

namespace nas {
namespace {

TEST(RecalibrateBatchNormTest, AveragesTheFirstBatchesAndRestoresMomentumAndMode) {
  torch::manual_seed(0);
  torch::nn::Conv2d conv(1, 3, 1);
  torch::nn::BatchNorm2d bn(3);
  auto net = torch::nn::Sequential(conv, bn);
  auto forward = [net](const torch::Tensor& x) mutable { return net->forward(x); };
  bn->running_mean.fill_(5);  // Stale statistics, to be forgotten.
  net->eval();
  const torch::Tensor images = torch::randn({10, 1, 2, 2}) * 3 + 1;
  BatchNormRecalibration o;
  o.batches = 2;
  o.batch_size = 4;
  EXPECT_EQ(RecalibrateBatchNorm(*net, forward, images, o), 2);
  torch::NoGradGuard no_grad;
  const torch::Tensor features = conv->forward(images);
  const torch::Tensor expected_mean =
      (features.slice(0, 0, 4).mean({0, 2, 3}) + features.slice(0, 4, 8).mean({0, 2, 3})) / 2;
  EXPECT_TRUE(torch::allclose(bn->running_mean, expected_mean, 1e-5, 1e-6));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 2);
  ASSERT_TRUE(bn->options.momentum().has_value());
  EXPECT_DOUBLE_EQ(*bn->options.momentum(), 0.1);
  EXPECT_FALSE(net->is_training());

  // The same inputs give the same statistics.
  const torch::Tensor first = bn->running_var.clone();
  RecalibrateBatchNorm(*net, forward, images, o);
  EXPECT_TRUE(torch::equal(bn->running_var, first));
}

TEST(RecalibrateBatchNormTest, NoBatchesLeaveTheStatisticsAlone) {
  torch::nn::BatchNorm2d bn(2);
  auto net = torch::nn::Sequential(bn);
  auto forward = [net](const torch::Tensor& x) mutable { return net->forward(x); };
  bn->running_mean.fill_(5);
  BatchNormRecalibration o;
  o.batches = 0;
  EXPECT_EQ(RecalibrateBatchNorm(*net, forward, torch::randn({8, 2, 2, 2}), o), 0);
  o.batches = 3;  // A single example: nothing to normalise it by.
  EXPECT_EQ(RecalibrateBatchNorm(*net, forward, torch::randn({1, 2, 2, 2}), o), 0);
  EXPECT_TRUE(torch::equal(bn->running_mean, torch::full({2}, 5.0)));
  EXPECT_TRUE(net->is_training());
}

}  // namespace
}  // namespace nas
