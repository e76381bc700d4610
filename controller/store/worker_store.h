// The workers table as the researcher API shows it: who is serving, on which
// device, and which jobs each one holds now.
#ifndef NAS_CONTROLLER_STORE_WORKER_STORE_H_
#define NAS_CONTROLLER_STORE_WORKER_STORE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "controller/store/database.h"
#include "proto/search_service.pb.h"

namespace nas {

// Thread-safe; holds no state beyond the Database.
class WorkerStore {
 public:
  explicit WorkerStore(Database* db) : db_(db) {}

  // Workers whose last lease request or heartbeat lies within the last
  // `seen_within_seconds` (> 0, the caller's to check), most recently seen
  // first, each with the jobs it holds a lease on now (oldest job first).
  absl::StatusOr<std::vector<v1::WorkerStatus>> ListWorkers(int seen_within_seconds);

 private:
  Database* const db_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_WORKER_STORE_H_
