#include "controller/store/group_commit.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

struct Item {
  int value = 0;
  int batch_size = 0;  // Set by the batch that ran it.
  int result = 0;
};

// While one batch of a key runs, callers of that key queue; the next batch
// takes them all at once, and each gets its own outcome.
TEST(GroupCommitTest, CallersArrivingDuringABatchShareTheNext) {
  GroupCommit<Item> commits(64);
  absl::Notification first_running, release_first;
  Item first{100};
  std::thread leader([&] {
    commits.Submit(7, &first, [&](const std::vector<Item*>& batch) {
      first_running.Notify();
      release_first.WaitForNotification();
      for (Item* item : batch) {
        item->batch_size = batch.size();
        item->result = item->value * 2;
      }
    });
  });
  first_running.WaitForNotification();
  constexpr int kFollowers = 8;
  std::vector<Item> items(kFollowers);
  std::vector<std::thread> followers;
  std::atomic<int> submitted{0};
  for (int i = 0; i < kFollowers; ++i) {
    items[i].value = i;
    followers.emplace_back([&, i] {
      ++submitted;
      commits.Submit(7, &items[i], [](const std::vector<Item*>& batch) {
        for (Item* item : batch) {
          item->batch_size = batch.size();
          item->result = item->value * 2;
        }
      });
    });
  }
  while (submitted.load() < kFollowers) std::this_thread::yield();
  absl::SleepFor(absl::Milliseconds(200));  // Lets every follower reach the queue.
  release_first.Notify();
  leader.join();
  for (auto& t : followers) t.join();
  EXPECT_EQ(first.batch_size, 1);
  EXPECT_EQ(first.result, 200);
  for (int i = 0; i < kFollowers; ++i) {
    EXPECT_EQ(items[i].result, 2 * i);
    EXPECT_EQ(items[i].batch_size, kFollowers) << i;
  }
  EXPECT_EQ(commits.batches(), 2);
}

// Keys do not wait for each other, and a batch never exceeds its bound.
TEST(GroupCommitTest, KeysAreIndependentAndBatchesBounded) {
  GroupCommit<Item> commits(3);
  std::atomic<int> largest{0};
  std::vector<Item> items(40);
  std::vector<std::thread> callers;
  for (int i = 0; i < 40; ++i) {
    items[i].value = i;
    callers.emplace_back([&, i] {
      commits.Submit(i % 2, &items[i], [&](const std::vector<Item*>& batch) {
        int seen = largest.load();
        while (seen < static_cast<int>(batch.size()) &&
               !largest.compare_exchange_weak(seen, batch.size())) {
        }
        absl::SleepFor(absl::Milliseconds(5));
        for (Item* item : batch) item->result = item->value + 1;
      });
    });
  }
  for (auto& t : callers) t.join();
  for (int i = 0; i < 40; ++i) EXPECT_EQ(items[i].result, i + 1);
  EXPECT_LE(largest.load(), 3);
  EXPECT_GE(commits.batches(), 14);  // 20 items per key, at most 3 a batch.
}

}  // namespace
}  // namespace nas
