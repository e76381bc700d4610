#include "worker/training/device.h"

#include <algorithm>
#include <fstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
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

// Latency tables are keyed by this: it must tell machines apart (the CPU's
// model and the thread count) and fit the controller's limit.
TEST(DeviceTest, DescribesTheCpuModelAndThreads) {
  const std::string one = DescribeDeviceModel(torch::kCPU, 1);
  const std::string two = DescribeDeviceModel(torch::kCPU, 2);
  EXPECT_TRUE(absl::EndsWith(one, ", 1 thread")) << one;
  EXPECT_TRUE(absl::EndsWith(two, ", 2 threads")) << two;
  EXPECT_NE(one, two);
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model;
  while (model.empty() && std::getline(cpuinfo, line)) {
    if (absl::StartsWith(line, "model name")) {
      model = std::string(absl::StripAsciiWhitespace(line.substr(line.find(':') + 1)));
    }
  }
  if (!model.empty()) EXPECT_TRUE(absl::StartsWith(two, model)) << two << " vs " << model;
  for (const std::string& s : {one, two}) {
    EXPECT_LE(s.size(), 128u);
    EXPECT_TRUE(std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; }));
  }
}

}  // namespace
}  // namespace nas
