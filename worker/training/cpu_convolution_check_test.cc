#include "worker/training/cpu_convolution_check.h"

#include "ATen/Context.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "torch/torch.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

// What a worker relies on: after the check, every convolution it trains with
// computes what LibTorch's own kernels compute, whether oneDNN was right here
// (it stays on) or wrong (it is turned off). On Debian 13's LibTorch 2.6 on an
// AMD EPYC the check turns it off; without it the 12- and 20-channel
// convolutions below are 30-50% off.
TEST(CpuConvolutionCheckTest, AfterTheCheckConvolutionsAreRight) {
  torch::set_num_threads(1);
  const CpuConvolutionCheck check = CheckCpuConvolutions();
  std::cout << DescribeCpuConvolutionCheck(check) << std::endl;
  at::Context& context = at::globalContext();
  EXPECT_EQ(context.userEnabledMkldnn(), at::hasMKLDNN() && !check.onednn_disabled);
  EXPECT_EQ(check.onednn_used, at::hasMKLDNN());
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(7);
  for (int64_t channels : {3, 12, 20, 24, 36, 40, 96}) {
    const torch::Tensor input = torch::randn({4, channels, 6, 6}, gen);
    const torch::Tensor weight = torch::randn({32, channels, 3, 3}, gen);
    const torch::Tensor used = torch::conv2d(input, weight, {}, 1, 1);
    const bool enabled = context.userEnabledMkldnn();
    context.setUserEnabledMkldnn(false);
    const torch::Tensor reference = torch::conv2d(input, weight, {}, 1, 1);
    context.setUserEnabledMkldnn(enabled);
    EXPECT_LE(RelativeConvolutionDifference(used, reference), kCpuConvolutionTolerance)
        << channels << " input channels; " << DescribeCpuConvolutionCheck(check);
  }
}

TEST(CpuConvolutionCheckTest, TheLogLineSaysWhatHappened) {
  CpuConvolutionCheck wrong;
  wrong.onednn_used = true;
  wrong.worst_relative_difference = 0.47;
  wrong.worst_case = "3x3, 24 -> 16 channels";
  wrong.onednn_disabled = true;
  EXPECT_THAT(DescribeCpuConvolutionCheck(wrong), HasSubstr("WRONG on this machine"));
  EXPECT_THAT(DescribeCpuConvolutionCheck(wrong), HasSubstr("0.47 (3x3, 24 -> 16 channels)"));
  EXPECT_THAT(DescribeCpuConvolutionCheck(wrong), HasSubstr("turned off for this process"));

  CpuConvolutionCheck right = wrong;
  right.worst_relative_difference = 2e-7;
  right.onednn_disabled = false;
  EXPECT_THAT(DescribeCpuConvolutionCheck(right), HasSubstr("oneDNN agrees"));
  EXPECT_THAT(DescribeCpuConvolutionCheck(CpuConvolutionCheck{}), HasSubstr("own kernels"));
}

}  // namespace
}  // namespace nas
