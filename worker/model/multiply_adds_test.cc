#include "worker/model/multiply_adds.h"

#include "gtest/gtest.h"
#include "worker/model/darts_network.h"

namespace nas {
namespace {

// A network whose multiply-adds are easy to count by hand.
struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl()
      : conv(register_module(
            "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).padding(1).stride(2)))),
        grouped(register_module(
            "grouped",
            torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 8, 3).padding(1).groups(8).bias(false)))),
        bn(register_module("bn", torch::nn::BatchNorm2d(8))),
        fc(register_module("fc", torch::nn::Linear(8 * 4 * 4, 10))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = torch::relu(bn(grouped(conv(x))));
    return fc(y.flatten(1));
  }
  torch::nn::Conv2d conv, grouped;
  torch::nn::BatchNorm2d bn;
  torch::nn::Linear fc;
};
TORCH_MODULE(TinyNet);

TEST(MultiplyAddsTest, CountsConvolutionsAndLinearLayersByHand) {
  TinyNet net;
  net->train();
  const absl::StatusOr<int64_t> count =
      CountMultiplyAdds(*net, [&](const torch::Tensor& x) { return net->forward(x); }, {3, 8, 8});
  ASSERT_TRUE(count.ok()) << count.status();
  // conv: 8 channels x 4 x 4 outputs (stride 2), each 3 x 3 x 3 products;
  // grouped (depthwise): 8 x 4 x 4 outputs, each 1 x 3 x 3; fc: 10 x 128.
  const int64_t expected = 8 * 16 * 27 + 8 * 16 * 9 + 10 * 128;
  EXPECT_EQ(*count, expected);
  EXPECT_TRUE(net->is_training()) << "the module's mode is restored";
}

TEST(MultiplyAddsTest, GrowsWithTheImageAndIsRepeatable) {
  TinyNet net;
  auto forward = [&](const torch::Tensor& x) { return net->forward(x); };
  // The fc layer fixes the input side at 8; a DARTS network takes any side.
  DartsNetworkOptions options;
  options.in_channels = 1;
  options.cells = 3;
  options.init_channels = 4;
  const DartsGenome genome = *ParseDartsGenome(
      "normal: sep_conv_3x3(0)+skip_connect(1) ; reduce: max_pool_3x3(0)+max_pool_3x3(1)");
  DartsNetwork darts(genome, options);
  auto darts_forward = [&](const torch::Tensor& x) { return darts->forward(x); };
  const int64_t small = *CountMultiplyAdds(*darts, darts_forward, {1, 8, 8});
  const int64_t large = *CountMultiplyAdds(*darts, darts_forward, {1, 16, 16});
  EXPECT_GT(small, 0);
  EXPECT_EQ(*CountMultiplyAdds(*darts, darts_forward, {1, 8, 8}), small);
  EXPECT_GT(large, 3 * small) << "convolutions scale with the image area";
  EXPECT_EQ(*CountMultiplyAdds(*net, forward, {3, 8, 8}),
            *CountMultiplyAdds(*net, forward, {3, 8, 8}));
}

TEST(MultiplyAddsTest, RefusesABadShapeAndReportsAFailingForward) {
  TinyNet net;
  auto forward = [&](const torch::Tensor& x) { return net->forward(x); };
  EXPECT_EQ(CountMultiplyAdds(*net, forward, {3, 8}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // 5 channels where the first convolution takes 3.
  const absl::StatusOr<int64_t> bad = CountMultiplyAdds(*net, forward, {5, 8, 8});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace nas
