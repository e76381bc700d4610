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

TEST(DeviceSlotsTest, AutoOnCudaNeedsTheFootprintOfAJob) {
  auto decided = DecideSlots(Auto(), torch::Device(torch::kCUDA, 0), 0);
  EXPECT_EQ(decided.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decided.status().message(), HasSubstr("slot_memory_mb"));
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
