#include "worker/training/device.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

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

// What nvidia-smi --query-compute-apps=pid,used_memory
// --format=csv,noheader,nounits prints for a GPU shared by three processes.
constexpr char kThreeProcesses[] = "1234, 812\n4321, 10240\n99999, 17\n";

TEST(DeviceTest, ReadsTheMemoryOfOneProcessAmongSeveral) {
  auto mib = ProcessMemoryMiB(kThreeProcesses, 4321);
  ASSERT_TRUE(mib.ok()) << mib.status();
  EXPECT_EQ(*mib, 10240);
  EXPECT_EQ(*ProcessMemoryMiB(kThreeProcesses, 1234), 812);
  // A pid is matched whole, not as a prefix of another.
  EXPECT_EQ(ProcessMemoryMiB(kThreeProcesses, 123).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Two contexts of one process on the device: both count.
  EXPECT_EQ(*ProcessMemoryMiB("7, 500\n8, 1\n7, 300", 7), 800);
  // Windows line ends and the spacing nvidia-smi may use.
  EXPECT_EQ(*ProcessMemoryMiB("7,500\r\n8 , 1\r\n", 8), 1);
}

TEST(DeviceTest, AProcessNvidiaSmiDoesNotListIsAnError) {
  for (const char* answer : {"", "1234, 812\n", "No running processes found\n"}) {
    auto mib = ProcessMemoryMiB(answer, 4321);
    EXPECT_EQ(mib.status().code(), absl::StatusCode::kFailedPrecondition) << answer;
    EXPECT_THAT(mib.status().message(), HasSubstr("lists no such process")) << answer;
  }
}

TEST(DeviceTest, MemoryThatIsNotANumberIsAnError) {
  // The driver does not account memory per process (e.g. under WDDM).
  auto na = ProcessMemoryMiB("1234, [N/A]\n4321, [N/A]\n", 4321);
  EXPECT_EQ(na.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(na.status().message(), HasSubstr("answered '[N/A]', not MiB"));
  // Other processes' lines and garbage are skipped when ours is readable.
  EXPECT_EQ(*ProcessMemoryMiB("1234, [N/A]\ngarbage\n,\n4321, 2048, 9\n4321, 64\n", 4321), 64);
  for (const char* answer : {"4321, -5\n", "4321, 12 MiB\n", "4321,\n", "4321, 1.5\n"}) {
    EXPECT_EQ(ProcessMemoryMiB(answer, 4321).status().code(), absl::StatusCode::kFailedPrecondition)
        << answer;
  }
}

TEST(DeviceTest, OnlyCudaDevicesAreMeasured) {
  auto cpu = ProcessDeviceMemoryBytes(torch::kCPU, getpid());
  EXPECT_EQ(cpu.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(cpu.status().message(), HasSubstr("only CUDA devices are measured"));
}

TEST(DeviceTest, MeasuresWhatThisProcessHoldsOnTheGpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device gpu(torch::kCUDA, 0);
  // 256 MiB of floats, kept by LibTorch's caching allocator.
  const torch::Tensor held = torch::ones({64 << 20}, torch::TensorOptions().device(gpu));
  torch::cuda::synchronize();
  auto bytes = ProcessDeviceMemoryBytes(gpu, getpid());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_GE(*bytes, int64_t{256} << 20);
}

}  // namespace
}  // namespace nas
