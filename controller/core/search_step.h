// The search step as plain C++: given a loaded view of one search (its
// normalized spec, population, jobs in flight, budget), decide what to write:
// members to age out, individuals and jobs to queue, weights to release, and
// whether the search is done. No SQL and no RPC here: controller/store loads
// the snapshot and applies the writes inside one transaction, so a step is
// atomic, and this file is unit-tested without PostgreSQL or gRPC.
#ifndef NAS_CONTROLLER_CORE_SEARCH_STEP_H_
#define NAS_CONTROLLER_CORE_SEARCH_STEP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/search_space/search_space.h"
#include "controller/search/strategy.h"
#include "proto/search.pb.h"
#include "proto/worker_service.pb.h"

namespace nas {

// A search's counters, enough to decide whether a top-up is worth loading
// the population for.
struct SearchCounts {
  std::string state;  // 'running', 'succeeded', 'cancelled'.
  int births = 0;     // Individuals proposed so far.
  int evaluations_done = 0;
  int jobs_in_flight = 0;  // Pending or leased.
  // The search's budget now (ExtendSearch raises it); 0 = the spec's.
  int budget = 0;
};

// What the store loads for a step.
struct SearchSnapshot {
  SearchCounts counts;
  // Filled as the strategy asks (population always; history if
  // Strategy::NeedsHistory()). After an evaluation, the new member is in it.
  SearchView view;
};

// An individual and the job that evaluates it.
struct Birth {
  int birth_order = 0;
  std::string genome;  // Canonical text; empty until a gradient search derives it.
  std::string genome_hash;
  int64_t parent_id = 0;
  std::string mutation;
  uint64_t seed = 0;
  v1::JobKind job_kind = v1::JOB_KIND_UNSPECIFIED;
  std::string morphisms;  // NASH: for the worker to apply to the parent's weights.
  int epochs = 0;         // 0 = the spec's training.epochs.
  int max_attempts = 0;
  int lease_seconds = 0;
};

// Weights no later step needs. The search's best individual keeps its own
// whatever this says (users export it).
struct CheckpointRelease {
  bool all_but_best = false;
  std::vector<int64_t> individuals;
};

struct StepWrites {
  std::vector<int64_t> age_out;  // Leave the population at evaluations_done.
  std::vector<Birth> births;
  CheckpointRelease release;
  bool succeeded = false;  // Budget spent (or strategy finished) and nothing in flight.
};

// What a job reports beside its fitness, checked against its kind.
struct JobOutput {
  std::string derived_genome;  // Canonical; SUPERNET_SEARCH and TFNAS_SEARCH.
  std::string latency_table;   // JSON; MEASURE_LATENCY.
};

// One search's step logic: its strategy and space, built once per step.
// Immutable; thread-compatible.
class SearchStep {
 public:
  // INVALID_ARGUMENT if the spec's strategy or space is not available.
  static absl::StatusOr<std::unique_ptr<SearchStep>> Create(const v1::SearchSpec& normalized);

  const v1::SearchSpec& spec() const { return spec_; }
  const Strategy& strategy() const { return *strategy_; }
  // The kind of job its workers run (what ActiveSlots counts).
  v1::JobKind job_kind() const { return job_kind_; }

  // Jobs to keep in flight when the search is created with `active_slots`
  // (the slots of the active workers) able to run it: its whole initial
  // population at once.
  int InitialTarget(int active_slots) const;
  // Whether TopUp could queue anything, decided from counts alone.
  bool WantsTopUp(const SearchCounts& counts, int target_in_flight) const;
  // Births until `target_in_flight` jobs are in flight, the budget is spent
  // or the strategy waits for results.
  absl::StatusOr<StepWrites> TopUp(const SearchSnapshot& snapshot, int target_in_flight) const;
  // After an outcome was recorded: ages out the oldest members beyond the
  // strategy's limit, tops up to one job per active worker slot (at least one),
  // releases weights no longer needed, and closes the search when done.
  absl::StatusOr<StepWrites> Advance(const SearchSnapshot& snapshot, int active_slots) const;
  // Checks what a `kind` job reported beside its fitness: only MEASURE_LATENCY
  // reports a latency table, and only gradient searches an architecture.
  absl::StatusOr<JobOutput> CheckOutput(v1::JobKind kind, const v1::EvaluationResult& result) const;

 private:
  SearchStep(v1::SearchSpec spec, std::unique_ptr<Strategy> strategy,
             std::unique_ptr<SearchSpace> space, v1::JobKind job_kind);
  int Budget(const SearchCounts& counts) const;
  // Proposes into `writes` and keeps `counts` and `view` up to date.
  absl::Status Propose(SearchCounts& counts, SearchView& view, int target_in_flight,
                       StepWrites& writes) const;

  const v1::SearchSpec spec_;
  const std::unique_ptr<Strategy> strategy_;
  const std::unique_ptr<SearchSpace> space_;
  const v1::JobKind job_kind_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_CORE_SEARCH_STEP_H_
