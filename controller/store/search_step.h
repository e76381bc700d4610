// The strategy step, inside the caller's transaction: record an outcome, age
// out the oldest member, propose children until enough jobs are in flight,
// and close the search when its budget is spent. Callers lock the search row
// first (LockSearch), so two controllers never step one search at once.
// Internal to controller/store.
#ifndef NAS_CONTROLLER_STORE_SEARCH_STEP_H_
#define NAS_CONTROLLER_STORE_SEARCH_STEP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "pqxx/pqxx"
#include "proto/search.pb.h"
#include "proto/worker_service.pb.h"

namespace nas {

struct LockedSearch {
  int64_t id = 0;
  v1::SearchSpec spec;
  std::string state;  // 'running', 'succeeded', 'cancelled'.
  int births = 0;
  int evaluations_done = 0;
};

// SELECT ... FOR UPDATE of the search row. NOT_FOUND if absent.
absl::StatusOr<LockedSearch> LockSearch(pqxx::work& txn, int64_t search_id);

// Workers seen in the last 30 s that run `kind`: how many jobs to keep in flight.
int ActiveWorkers(pqxx::work& txn, v1::JobKind kind);

// Proposes and queues individuals until `target_in_flight` jobs of the search
// are pending or leased, the budget is spent, or the strategy must wait.
// Returns how many were queued.
absl::StatusOr<int> TopUp(pqxx::work& txn, LockedSearch& search,
                          int target_in_flight);

// Marks the individual evaluated, adds it to the population, ages out the
// oldest member beyond the strategy's population limit.
absl::Status RecordEvaluation(pqxx::work& txn, LockedSearch& search,
                              int64_t individual_id,
                              const v1::EvaluationResult& result);

// Marks the individual failed for good with `reason`.
absl::Status RecordFailure(pqxx::work& txn, LockedSearch& search,
                           int64_t individual_id, const std::string& reason);

// After an outcome: top up to the active worker count, then mark the search
// succeeded if its budget is spent and no job is pending or leased.
absl::Status AdvanceSearch(pqxx::work& txn, LockedSearch& search);

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_SEARCH_STEP_H_
