// Strategies register themselves from their own folder: a static
// StrategyRegistrar in the plug-in's .cc, linked in by one line in
// //controller/search:all_strategies. Nothing outside a plug-in names a
// strategy: validation, the job kind of its evaluations and construction all
// go through the registration found by the spec's `strategy` case, and so
// does what a lease carries of the spec (FillJobPayload).
#ifndef NAS_CONTROLLER_SEARCH_STRATEGY_REGISTRY_H_
#define NAS_CONTROLLER_SEARCH_STRATEGY_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/search/strategy.h"
#include "proto/search.pb.h"
#include "proto/worker_service.pb.h"

namespace nas {

struct StrategyRegistration {
  // The field name of its message in v1::Strategy, e.g. "aging_evolution".
  std::string name;
  v1::Strategy::KindCase spec_case = v1::Strategy::KIND_NOT_SET;
  // Whether one worker trains a supernet on `dataset` (no table lookup), so
  // that `training` is needed only to retrain what it derives.
  bool trains_supernet = false;
  // Fills the defaults of the strategy's message in `spec` and checks it
  // against the rest of the spec (space, budget). INVALID_ARGUMENT naming the
  // field and the rule; `spec` is unchanged on error.
  std::function<absl::Status(v1::SearchSpec& spec)> normalize;
  // Whether `training` must be set (for trains_supernet strategies: whether
  // they retrain). Defaults to true.
  std::function<bool(const v1::SearchSpec& normalized)> needs_training;
  // The kind of job that evaluates its proposals; defaults to CandidateJobKind.
  std::function<v1::JobKind(const v1::SearchSpec& normalized)> job_kind;
  // Builds the strategy from a spec that `normalize` accepted.
  std::function<std::unique_ptr<Strategy>(const v1::SearchSpec& normalized)> create;
  // Sets `job`'s payload (what a lease carries of the spec) for a job kind
  // the strategy owns and returns true; false leaves `kind` to the default
  // for evaluating candidates (controller/search/job_payload.h). Optional.
  std::function<bool(const v1::SearchSpec& normalized, v1::JobKind kind, v1::Job* job)>
      fill_payload;
};

// Adds `registration`; aborts at start-up on a duplicate name or case (a
// programming error, like a duplicate flag).
void RegisterStrategy(StrategyRegistration registration);

// The registration for `spec.strategy`, or INVALID_ARGUMENT listing the
// registered strategies when it is unset.
absl::StatusOr<const StrategyRegistration*> FindStrategy(const v1::SearchSpec& spec);

// Registered names, sorted.
std::vector<std::string> StrategyNames();

// "aging_evolution", or "unset".
std::string StrategyName(const v1::Strategy& strategy);

// The job that evaluates one proposed candidate of `spec`: TABLE_LOOKUP with
// table_lookup, TRAIN_MORPHED in a space whose children inherit weights,
// else TRAIN_CANDIDATE.
v1::JobKind CandidateJobKind(const v1::SearchSpec& spec);

// The job kind of `spec`'s strategy (CandidateJobKind unless it says).
v1::JobKind JobKindForSpec(const v1::SearchSpec& normalized);

// Builds the strategy of a normalized (stored) spec. INVALID_ARGUMENT if its
// strategy is not registered in this binary.
absl::StatusOr<std::unique_ptr<Strategy>> MakeStrategy(const v1::SearchSpec& normalized);

// Registers at static-initialisation time:
//   const StrategyRegistrar kRegistrar({.name = ..., ...});
class StrategyRegistrar {
 public:
  explicit StrategyRegistrar(StrategyRegistration registration) {
    RegisterStrategy(std::move(registration));
  }
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_STRATEGY_REGISTRY_H_
