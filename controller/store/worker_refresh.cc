#include "controller/store/worker_refresh.h"

namespace nas {

bool WorkerRefreshes::Due(const v1::WorkerInfo& worker, absl::Time now) const {
  absl::MutexLock lock(&mu_);
  auto it = written_.find(worker.worker_id());
  if (it == written_.end()) return true;
  return now - it->second.at >= kInterval || it->second.info != worker.SerializeAsString();
}

void WorkerRefreshes::Refreshed(const v1::WorkerInfo& worker, absl::Time at) {
  absl::MutexLock lock(&mu_);
  if (written_.size() >= kMaxEntries) written_.clear();  // Each then refreshes once more.
  Entry& entry = written_[worker.worker_id()];
  // Concurrent leases of one worker (one per slot) may finish out of order.
  if (at >= entry.at) entry = {worker.SerializeAsString(), at};
}

void WorkerRefreshes::Forget(const std::string& worker_id) {
  absl::MutexLock lock(&mu_);
  written_.erase(worker_id);
}

}  // namespace nas
