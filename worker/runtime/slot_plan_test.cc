#include "worker/runtime/slot_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kGiB = 1 << 30;

TEST(SlotPlanTest, ParsesACountOrAuto) {
  EXPECT_EQ(ParseSlotsFlag("1")->count, 1);
  EXPECT_FALSE(ParseSlotsFlag("1")->automatic);
  EXPECT_EQ(ParseSlotsFlag("64")->count, 64);
  EXPECT_TRUE(ParseSlotsFlag("auto")->automatic);
  for (const char* bad : {"", "0", "65", "-1", "2x", " 2", "AUTO", "1.5"}) {
    auto parsed = ParseSlotsFlag(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(parsed.status().message(), HasSubstr("must be auto or a number in 1..64")) << bad;
  }
}

TEST(SlotPlanTest, AutoFillsTheSafeShareOfFreeMemory) {
  // 10 GiB free, 0.8 of it usable: 8 GiB / 1 GiB a job = 8.
  EXPECT_EQ(*SlotsThatFit(10 * kGiB, kGiB), 8);
  // Rounded down: 8 GiB usable / 3 GiB = 2.67 -> 2.
  EXPECT_EQ(*SlotsThatFit(10 * kGiB, 3 * kGiB), 2);
  // A job bigger than the usable memory still runs alone.
  EXPECT_EQ(*SlotsThatFit(10 * kGiB, 9 * kGiB), 1);
  EXPECT_EQ(*SlotsThatFit(0, kGiB), 1);
  // An H200's 139 GiB at 500 MiB a job would be 227: capped.
  EXPECT_EQ(*SlotsThatFit(139 * kGiB, 500 * kMiB), kMaxAutoSlots);
  EXPECT_EQ(SlotsThatFit(kGiB, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SlotsThatFit(-1, kGiB).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SlotPlanTest, AfterTheProbeItsOwnMemoryCountsAsFree) {
  // 70 GiB free + the 10 GiB the probe holds = 80 GiB, 64 GiB usable: 6 jobs
  // of 10 GiB (not 5, as 70 GiB alone would give).
  EXPECT_EQ(*SlotsAfterProbe(70 * kGiB, 10 * kGiB), 6);
  // Nothing free besides: the probe's own 10 GiB x 0.8 holds no whole job,
  // and the worker keeps its one slot.
  EXPECT_EQ(*SlotsAfterProbe(0, 10 * kGiB), 1);
  // (4 GiB + 1 GiB) x 0.8 / 1 GiB = 4.
  EXPECT_EQ(*SlotsAfterProbe(4 * kGiB, kGiB), 4);
  // An H200 after a small job: capped.
  EXPECT_EQ(*SlotsAfterProbe(138 * kGiB, 600 * kMiB), kMaxAutoSlots);
  EXPECT_EQ(SlotsAfterProbe(kGiB, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(SlotsAfterProbe(kGiB, -1).status().message(), HasSubstr("need bytes > 0"));
  EXPECT_EQ(SlotsAfterProbe(-1, kGiB).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SlotPlanTest, FootprintIsWhatTheFirstJobTookOfTheFreeMemory) {
  EXPECT_EQ(*FootprintFromFreeMemory(100 * kGiB, 97 * kGiB), 3 * kGiB);
  // Nothing taken, or memory freed by others: no measure.
  EXPECT_EQ(FootprintFromFreeMemory(100 * kGiB, 100 * kGiB).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(FootprintFromFreeMemory(100 * kGiB, 101 * kGiB).status().message(),
              HasSubstr("did not shrink"));
  EXPECT_EQ(FootprintFromFreeMemory(-1, kGiB).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FootprintFromFreeMemory(kGiB, -1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SlotPlanTest, ThreadsAreSplitEvenlyAndEverySlotGetsOne) {
  EXPECT_EQ(ThreadsPerSlot(8, 1), 8);
  EXPECT_EQ(ThreadsPerSlot(8, 2), 4);
  EXPECT_EQ(ThreadsPerSlot(7, 2), 3);
  EXPECT_EQ(ThreadsPerSlot(2, 4), 1);
  EXPECT_EQ(ThreadsPerSlot(1, 1), 1);
}

}  // namespace
}  // namespace nas
