// Group commit: callers that submit work under the same key while a batch of
// that key is running queue up, and one of them (the leader) then runs all
// that queued in one call, so that k concurrent reports of one search cost
// one transaction and one commit instead of k. The batch function sets each
// item's own outcome; a caller returns only after the batch holding its item
// has run (for a transaction: after its commit or rollback).
//
// Leadership passes in arrival order: after a batch, the oldest waiting
// caller leads the next one, so no caller leads more than one batch and none
// waits behind more than one batch that is not its own. Thread-safe.
#ifndef NAS_CONTROLLER_STORE_GROUP_COMMIT_H_
#define NAS_CONTROLLER_STORE_GROUP_COMMIT_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace nas {

template <typename Item>
class GroupCommit {
 public:
  // A batch holds at most `max_batch` items (>= 1): a bound on how long one
  // transaction holds its locks.
  explicit GroupCommit(int max_batch) : max_batch_(std::max(1, max_batch)) {}

  // Runs `run` on a batch that holds `item` (and other callers' items of the
  // same key, oldest first), in this thread or another caller's. `run` must
  // not throw, and must set every item's outcome.
  void Submit(int64_t key, Item* item, const std::function<void(const std::vector<Item*>&)>& run) {
    Waiter self;
    self.item = item;
    absl::MutexLock lock(&mu_);
    std::unique_ptr<Group>& slot = groups_[key];
    if (slot == nullptr) slot = std::make_unique<Group>();
    Group* group = slot.get();  // Stable while the key has callers.
    group->queue.push_back(&self);
    if (group->leading) {
      while (!self.done && !self.lead) self.wake.Wait(&mu_);
      if (self.done) return;
    }
    group->leading = true;
    // Whoever leads is at the front: a fresh leader found the queue empty,
    // a handed-over one was the oldest waiter.
    const size_t n = std::min(group->queue.size(), static_cast<size_t>(max_batch_));
    std::vector<Waiter*> batch(group->queue.begin(), group->queue.begin() + n);
    group->queue.erase(group->queue.begin(), group->queue.begin() + n);
    std::vector<Item*> items;
    for (Waiter* w : batch) items.push_back(w->item);
    ++batches_;
    mu_.Unlock();
    run(items);
    mu_.Lock();
    for (Waiter* w : batch) {
      w->done = true;
      if (w != &self) w->wake.Signal();
    }
    if (group->queue.empty()) {
      groups_.erase(key);
    } else {
      group->queue.front()->lead = true;
      group->queue.front()->wake.Signal();
    }
  }

  // Batches run so far (for tests and metrics).
  int64_t batches() const {
    absl::MutexLock lock(&mu_);
    return batches_;
  }

 private:
  struct Waiter {
    Item* item = nullptr;
    bool done = false;  // Its batch ran.
    bool lead = false;  // It runs the next batch.
    absl::CondVar wake;
  };
  struct Group {
    std::deque<Waiter*> queue;  // Not yet in a batch, oldest first.
    bool leading = false;       // A batch of this key is running or being handed over.
  };

  const int max_batch_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<int64_t, std::unique_ptr<Group>> groups_ ABSL_GUARDED_BY(mu_);
  int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_GROUP_COMMIT_H_
