#include "worker/training/device_slots.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

SlotsFlag Auto() { return SlotsFlag{true, 1}; }
SlotsFlag Count(int n) { return SlotsFlag{false, n}; }

TEST(DeviceSlotsTest, ACountIsTakenAsItIs) {
  auto decided = DecideSlots(Count(3), torch::Device(torch::kCPU), 0);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->slots, 3);
  EXPECT_EQ(DecideSlots(Count(3), torch::Device(torch::kCPU), 512).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DeviceSlotsTest, AutoOnTheCpuIsOneSlot) {
  auto decided = DecideSlots(Auto(), torch::Device(torch::kCPU), 0);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->slots, 1);
  EXPECT_THAT(decided->why, HasSubstr("--slots=auto on cpu: 1"));
}

// Decided at start whatever the device answers: the free memory, read now
// where nvidia-smi answers, is only the baseline of the measurement.
TEST(DeviceSlotsTest, AutoOnCudaWithoutTheFootprintOfAJobProbesWithOneSlot) {
  auto decided = DecideSlots(Auto(), torch::Device(torch::kCUDA, 0), 0);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->slots, 1);
  EXPECT_TRUE(decided->probe);
  EXPECT_THAT(decided->why, HasSubstr("1 until its first job has trained"));
  auto negative = DecideSlots(Auto(), torch::Device(torch::kCUDA, 0), -1);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(negative.status().message(), HasSubstr("slot_memory_mb"));
  // Only CUDA probes: the CPU's 1 and a count are final.
  EXPECT_FALSE(DecideSlots(Auto(), torch::Device(torch::kCPU), 0)->probe);
  EXPECT_FALSE(DecideSlots(Count(1), torch::Device(torch::kCUDA, 0), 0)->probe);
}

TEST(DeviceSlotsTest, TheProbeIsMeasuredOnCudaOnly) {
  auto decided = DecideSlotsAfterProbe(torch::Device(torch::kCPU), /*free_bytes_before=*/-1);
  EXPECT_EQ(decided.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(decided.status().message(), HasSubstr("only CUDA devices are measured"));
}

TEST(DeviceSlotsTest, AfterTheProbeCudaFitsJobsOfWhatThisProcessHolds) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device gpu(torch::kCUDA, 0);
  // A job's worth of memory, kept by the caching allocator as after a job.
  const torch::Tensor held = torch::ones({64 << 20}, torch::TensorOptions().device(gpu));
  torch::cuda::synchronize();
  auto decided = DecideSlotsAfterProbe(gpu, /*free_bytes_before=*/-1);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_GE(decided->slots, 1);
  EXPECT_LE(decided->slots, kMaxAutoSlots);
  EXPECT_FALSE(decided->probe);
  EXPECT_THAT(decided->why, HasSubstr("MiB this worker holds"));
}

TEST(DeviceSlotsTest, AutoOnCudaFitsJobsInFreeMemory) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  auto decided = DecideSlots(Auto(), torch::Device(torch::kCUDA, 0), 1);
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_GE(decided->slots, 1);
  EXPECT_LE(decided->slots, kMaxAutoSlots);
  EXPECT_THAT(decided->why, HasSubstr("MiB free"));
}

}  // namespace
}  // namespace nas
