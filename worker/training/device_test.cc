#include "worker/training/device.h"

#include "gtest/gtest.h"

namespace nas {
namespace {

TEST(DeviceTest, ResolvesCpuAndAuto) {
  auto cpu = ResolveDevice("cpu");
  ASSERT_TRUE(cpu.ok()) << cpu.status();
  EXPECT_TRUE(cpu->is_cpu());
  auto automatic = ResolveDevice("auto");
  ASSERT_TRUE(automatic.ok()) << automatic.status();
  EXPECT_EQ(automatic->is_cuda(), torch::cuda::is_available());
}

TEST(DeviceTest, RejectsMalformedFlags) {
  for (const char* flag : {"", "tpu", "CPU", "gpu", "cuda:", "cuda:x", "cuda:-1", "cuda: 1",
                           "cuda:+1", "cuda0", "cuda:0:1"}) {
    auto device = ResolveDevice(flag);
    EXPECT_EQ(device.status().code(), absl::StatusCode::kInvalidArgument) << "'" << flag << "'";
  }
  EXPECT_NE(ResolveDevice("tpu").status().message().find("must be auto, cpu, cuda or cuda:N"),
            std::string::npos);
}

TEST(DeviceTest, CudaNeedsAVisibleGpu) {
  if (torch::cuda::is_available()) {
    auto gpu = ResolveDevice("cuda:0");
    ASSERT_TRUE(gpu.ok()) << gpu.status();
    EXPECT_TRUE(gpu->is_cuda());
    EXPECT_EQ(gpu->index(), 0);
    EXPECT_EQ(ResolveDevice("cuda:999").status().code(), absl::StatusCode::kFailedPrecondition);
  } else {
    EXPECT_EQ(ResolveDevice("cuda").status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ResolveDevice("cuda:0").status().code(), absl::StatusCode::kFailedPrecondition);
  }
}

}  // namespace
}  // namespace nas
