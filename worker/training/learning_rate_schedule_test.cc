#include "worker/training/learning_rate_schedule.h"

#include <cmath>

#include "gtest/gtest.h"

namespace nas {
namespace {

RunPosition At(int64_t step, int64_t steps_per_epoch, int epochs) {
  return RunPosition{step, steps_per_epoch, epochs};
}

TEST(CosineScheduleTest, PerStepGoesFromMaxTowardsMinOverTheRun) {
  const CosineSchedule cosine(0.1, 0.0, CosineSchedule::Granularity::kPerStep);
  EXPECT_DOUBLE_EQ(cosine.Rate(At(0, 25, 4)), 0.1);
  EXPECT_NEAR(cosine.Rate(At(50, 25, 4)), 0.05, 1e-15);
  EXPECT_NEAR(cosine.Rate(At(25, 25, 4)), 0.05 * (1 + std::sqrt(0.5)), 1e-15);
  EXPECT_GT(cosine.Rate(At(99, 25, 4)), 0.0);
  EXPECT_LT(cosine.Rate(At(99, 25, 4)), 1e-4);
  // The exact formula the candidate trainer has always used.
  const double pi = 3.14159265358979323846;
  EXPECT_EQ(cosine.Rate(At(37, 25, 4)), 0.5 * 0.1 * (1 + std::cos(pi * 37 / 100)));
}

TEST(CosineScheduleTest, PerEpochIsConstantWithinAnEpoch) {
  const CosineSchedule cosine(0.025, 0.001, CosineSchedule::Granularity::kPerEpoch);
  EXPECT_DOUBLE_EQ(cosine.Rate(At(0, 8, 2)), 0.025);
  EXPECT_DOUBLE_EQ(cosine.Rate(At(7, 8, 2)), 0.025);
  EXPECT_NEAR(cosine.Rate(At(8, 8, 2)), 0.013, 1e-15);  // Halfway: (0.025 + 0.001) / 2.
  EXPECT_NEAR(cosine.Rate(At(15, 8, 2)), 0.013, 1e-15);
}

TEST(SgdrScheduleTest, OneCosinePerRunByDefault) {
  const SgdrSchedule sgdr(SgdrOptions{});  // 0.05 -> 0 over the run.
  EXPECT_DOUBLE_EQ(sgdr.RateAtEpoch(0, 17), 0.05);
  EXPECT_NEAR(sgdr.RateAtEpoch(8.5, 17), 0.025, 1e-12);
  EXPECT_NEAR(sgdr.RateAtEpoch(16.999, 17), 0.0, 1e-6);
  EXPECT_EQ(sgdr.Rate(At(85, 10, 17)), sgdr.RateAtEpoch(8.5, 17));
}

TEST(SgdrScheduleTest, WarmRestartsWithGrowingPeriods) {
  SgdrOptions o;
  o.lr_max = 0.1;
  o.lr_min = 0.01;
  o.period_epochs = 1;
  o.t_mult = 2;  // Periods [0, 1), [1, 3), [3, 7), [7, 15).
  const SgdrSchedule sgdr(o);
  const double mid = 0.055;
  const int epochs = 17;  // Not used: the period is given.
  EXPECT_DOUBLE_EQ(sgdr.RateAtEpoch(0, epochs), 0.1);
  EXPECT_NEAR(sgdr.RateAtEpoch(0.5, epochs), mid, 1e-12);
  EXPECT_DOUBLE_EQ(sgdr.RateAtEpoch(1, epochs), 0.1);  // Restart.
  EXPECT_NEAR(sgdr.RateAtEpoch(2, epochs), mid, 1e-12);
  EXPECT_NEAR(sgdr.RateAtEpoch(3, epochs), 0.1, 1e-12);
  EXPECT_NEAR(sgdr.RateAtEpoch(5, epochs), mid, 1e-12);
  EXPECT_NEAR(sgdr.RateAtEpoch(6.9999, epochs), 0.01, 1e-6);
  EXPECT_NEAR(sgdr.RateAtEpoch(11, epochs), mid, 1e-12);
  o.t_mult = 1;
  EXPECT_NEAR(SgdrSchedule(o).RateAtEpoch(3.5, epochs), mid, 1e-12);
}

TEST(SgdrScheduleTest, NanPassesThrough) {
  SgdrOptions o;
  o.lr_max = std::nan("");
  EXPECT_TRUE(std::isnan(SgdrSchedule(o).RateAtEpoch(1, 2)));
}

}  // namespace
}  // namespace nas
