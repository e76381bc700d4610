#include "worker/training/gpu_training.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "ATen/autocast_mode.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(GpuTrainingTest, ReadsTheSpec) {
  v1::GpuOptions spec;
  EXPECT_FALSE(GpuTrainingFromSpec(spec).any());
  spec.set_precision(v1::GpuOptions::FP16);
  spec.set_channels_last(true);
  const GpuTraining gpu = GpuTrainingFromSpec(spec);
  EXPECT_EQ(gpu.precision, GpuTraining::Precision::kFloat16);
  EXPECT_TRUE(gpu.channels_last);
  EXPECT_FALSE(gpu.cudnn_benchmark);
  spec.set_precision(v1::GpuOptions::BF16);
  EXPECT_EQ(GpuTrainingFromSpec(spec).precision, GpuTraining::Precision::kBFloat16);
}

TEST(GpuTrainingTest, OnTheCpuEveryOptionIsIgnoredWithOneLineNamingThem) {
  GpuTraining asked;
  asked.precision = GpuTraining::Precision::kBFloat16;
  asked.channels_last = true;
  asked.cudnn_benchmark = true;
  std::ostringstream log;
  EXPECT_FALSE(GpuTrainingFor(asked, torch::kCPU, log).any());
  EXPECT_THAT(log.str(), AllOf(HasSubstr("training.gpu: precision BF16, channels_last, "
                                         "cudnn_benchmark ignored on cpu"),
                               HasSubstr("training in float32")));
  const std::string line = log.str();
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);

  std::ostringstream quiet;
  EXPECT_FALSE(GpuTrainingFor(GpuTraining{}, torch::kCPU, quiet).any());
  EXPECT_EQ(quiet.str(), "");
  // A CUDA device keeps what was asked (no GPU needed to decide it).
  EXPECT_TRUE(GpuTrainingFor(asked, torch::Device(torch::kCUDA, 0), quiet).channels_last);
}

TEST(GpuTrainingTest, AutocastIsOnOnlyInsideTheScopeAndOnlyForMixedPrecision) {
  ASSERT_FALSE(at::autocast::is_enabled());
  {
    AutocastScope none(GpuTraining::Precision::kFloat32);
    EXPECT_FALSE(at::autocast::is_enabled());
  }
  {
    AutocastScope bf16(GpuTraining::Precision::kBFloat16);
    EXPECT_TRUE(at::autocast::is_enabled());
    EXPECT_EQ(at::autocast::get_autocast_gpu_dtype(), at::kBFloat16);
  }
  EXPECT_FALSE(at::autocast::is_enabled());
  EXPECT_EQ(at::autocast::get_autocast_gpu_dtype(), at::kHalf);  // LibTorch's default, restored.
}

TEST(GpuTrainingTest, ChannelsLastKeepsTheWeightsValues) {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 8, 3));
  const torch::Tensor before = conv->weight.detach().clone();
  ToChannelsLast(*conv);
  EXPECT_TRUE(conv->weight.is_contiguous(torch::MemoryFormat::ChannelsLast));
  EXPECT_TRUE(conv->weight.equal(before));
  EXPECT_TRUE(conv->bias.is_contiguous());  // 1-D: as it was.
}

TEST(LossScalerTest, UnscalesFiniteGradientsAndSkipsOverflowingOnes) {
  torch::Tensor w = torch::ones({3}, torch::requires_grad());
  LossScaler scaler(/*initial_scale=*/1024, /*growth_interval=*/2);
  scaler.Scale((w * torch::tensor({1.0f, 2.0f, 3.0f})).sum()).backward();
  EXPECT_TRUE(scaler.UnscaleAndUpdate({w}));
  EXPECT_TRUE(w.grad().equal(torch::tensor({1.0f, 2.0f, 3.0f})));
  EXPECT_EQ(scaler.scale(), 1024);

  w.mutable_grad().zero_();
  scaler.Scale(w.sum()).backward();
  EXPECT_TRUE(scaler.UnscaleAndUpdate({w}));
  EXPECT_EQ(scaler.scale(), 2048) << "two finite steps in a row double the scale";

  w.mutable_grad().zero_();
  scaler.Scale((w * 1e36f).sum()).backward();  // 1e36 x 2048 overflows float32.
  EXPECT_FALSE(scaler.UnscaleAndUpdate({w}));
  EXPECT_EQ(scaler.scale(), 1024);
  EXPECT_EQ(scaler.skipped_steps(), 1);
}

}  // namespace
}  // namespace nas
