#include "controller/store/worker_refresh.h"

#include "controller/store/job_queue.h"
#include "controller/store/search_step.h"
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

// A worker that waits in a long-poll lease as long as the controller allows
// and then calls again has its row written at most kInterval later: it must
// still be inside the window in which ActiveSlots counts it.
TEST(WorkerRefreshesTest, LongestLeaseWaitKeepsAnIdleWorkerCountedAsActive) {
  EXPECT_LT(JobQueue::kMaxLeaseWait + WorkerRefreshes::kInterval, kActiveWorkerWindow);
}

}  // namespace
}  // namespace nas
