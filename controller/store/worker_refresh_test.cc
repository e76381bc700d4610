#include "controller/store/worker_refresh.h"

#include "gtest/gtest.h"

namespace nas {
namespace {

v1::WorkerInfo Worker(int slots) {
  v1::WorkerInfo w;
  w.set_worker_id("w1");
  w.set_device("cpu");
  w.set_slots(slots);
  w.add_job_kinds(v1::TRAIN_CANDIDATE);
  return w;
}

TEST(WorkerRefreshesTest, DueWhenUnseenStaleChangedOrForgotten) {
  WorkerRefreshes refreshes;
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_TRUE(refreshes.Due(Worker(1), t0));
  refreshes.Refreshed(Worker(1), t0);
  EXPECT_FALSE(refreshes.Due(Worker(1), t0 + WorkerRefreshes::kInterval - absl::Seconds(1)));
  EXPECT_TRUE(refreshes.Due(Worker(1), t0 + WorkerRefreshes::kInterval));
  EXPECT_TRUE(refreshes.Due(Worker(2), t0)) << "other WorkerInfo is written at once";
  refreshes.Forget("w1");
  EXPECT_TRUE(refreshes.Due(Worker(1), t0));
}

TEST(WorkerRefreshesTest, AnOlderWriteFinishingLastDoesNotWin) {
  WorkerRefreshes refreshes;
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  refreshes.Refreshed(Worker(2), t0 + absl::Seconds(1));
  refreshes.Refreshed(Worker(1), t0);
  EXPECT_FALSE(refreshes.Due(Worker(2), t0 + absl::Seconds(2)));
}

}  // namespace
}  // namespace nas
