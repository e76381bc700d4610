// Which workers this controller wrote to the workers table lately, so that a
// lease need not rewrite the row every time. workers.last_seen only feeds
// ActiveSlots, which counts the workers seen in the last 30 s: a worker's row
// is then at most kInterval older than its latest lease. A worker waiting in a
// long-poll lease calls again within nas_controller --max_lease_wait_ms
// (25 s by default), so its row stays under 30 s old. Any controller's
// write counts, so several controllers serving one worker write it no less
// often. Saves a row write (and its WAL) on most leases. Thread-safe.
#ifndef NAS_CONTROLLER_STORE_WORKER_REFRESH_H_
#define NAS_CONTROLLER_STORE_WORKER_REFRESH_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/worker_service.pb.h"

namespace nas {

class WorkerRefreshes {
 public:
  // With the longest lease wait (25 s), below ActiveSlots' 30 s window.
  static constexpr absl::Duration kInterval = absl::Seconds(2);

  // Whether the worker's row must be written at `now`: this controller has
  // not written it within kInterval, or wrote it with other WorkerInfo (a
  // worker restarted with other slots or job kinds is seen at once).
  bool Due(const v1::WorkerInfo& worker, absl::Time now) const;

  // The row was written (committed) with `worker` as it was at `at`.
  void Refreshed(const v1::WorkerInfo& worker, absl::Time at);

  // The next lease of this worker writes its row: after a lease failed, the
  // write it carried may not have committed.
  void Forget(const std::string& worker_id);

 private:
  struct Entry {
    std::string info;  // The serialized WorkerInfo that was written.
    absl::Time at;
  };
  // Bounds the memory of a controller that sees many short-lived workers.
  static constexpr size_t kMaxEntries = 1 << 16;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> written_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_WORKER_REFRESH_H_
