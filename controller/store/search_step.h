// Loads what the search step (controller/core/search_step) looks at and
// applies the writes it decides, inside the caller's transaction. Callers
// lock the search row first (LockSearch), so two controllers never step one
// search at once. Internal to controller/store.
#ifndef NAS_CONTROLLER_STORE_SEARCH_STEP_H_
#define NAS_CONTROLLER_STORE_SEARCH_STEP_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/core/search_step.h"
#include "pqxx/pqxx"
#include "proto/search.pb.h"
#include "proto/worker_service.pb.h"

namespace nas {

struct LockedSearch {
  int64_t id = 0;
  std::string state;  // 'running', 'succeeded', 'cancelled'.
  int births = 0;
  int evaluations_done = 0;
  int budget = 0;                // searches.budget: the spec's, or what ExtendSearch raised it to.
  std::string data_fingerprint;  // searches.data_fingerprint; "" until the first report names one.
  // The stored (normalized) spec's step logic, built once per transaction.
  std::shared_ptr<const SearchStep> step;
};

// The step of a stored spec (searches.spec_text, which never changes). Every
// lease and report needs one; the last steps built are kept, keyed by the
// spec's text, so a spec is parsed and its strategy and space built once,
// not per transaction. Thread-safe.
absl::StatusOr<std::shared_ptr<const SearchStep>> StepForSpecText(const std::string& text);

// SELECT ... FOR UPDATE of the search row. NOT_FOUND if absent.
absl::StatusOr<LockedSearch> LockSearch(pqxx::work& txn, int64_t search_id);

// How recently a worker must have been seen (workers.last_seen) to count
// as active.
inline constexpr absl::Duration kActiveWorkerWindow = absl::Seconds(30);

// The slots of the workers seen in the last kActiveWorkerWindow that run
// `kind` (a worker runs as many jobs at once as it has slots): how many jobs
// to keep in flight.
int ActiveSlots(pqxx::work& txn, v1::JobKind kind);

// Queues individuals until `target_in_flight` jobs of the search are pending
// or leased, the budget is spent, or the strategy must wait. Returns how
// many were queued.
absl::StatusOr<int> TopUp(pqxx::work& txn, LockedSearch& search, int target_in_flight);

// Marks the individual evaluated with what its job reported (fitness,
// metrics, weights, a derived architecture or a latency table) and adds it to
// the population. INVALID_ARGUMENT, changing nothing, if the report does not
// fit the job.
absl::Status RecordEvaluation(pqxx::work& txn, LockedSearch& search, int64_t individual_id,
                              const v1::EvaluationResult& result);

// Marks the individual failed for good with `reason`.
absl::Status RecordFailure(pqxx::work& txn, LockedSearch& search, int64_t individual_id,
                           const std::string& reason);

// Pending or leased jobs of the search.
int JobsInFlight(pqxx::work& txn, int64_t search_id);

// The population (and history, if the strategy reads it) as the step sees it.
SearchSnapshot LoadSnapshot(pqxx::work& txn, const LockedSearch& search, int jobs_in_flight);

// Drops references to weights, so checkpoint garbage collection can free
// them; the search's best individual always keeps its own.
void ReleaseCheckpoints(pqxx::work& txn, const LockedSearch& search,
                        const CheckpointRelease& release);

// Why the result's candidate breaks the spec's constraints, or "" if it does
// not; INVALID_ARGUMENT for a claim of infeasibility without constraints.
absl::StatusOr<std::string> InfeasibleReason(const v1::SearchSpec& spec,
                                             const v1::EvaluationResult& result);

// After an outcome: applies the step's writes (age out, queue children up to
// one per active worker, release weights, close the search when done).
absl::Status AdvanceSearch(pqxx::work& txn, LockedSearch& search);

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_SEARCH_STEP_H_
