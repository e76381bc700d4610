// The one place that maps a spec's strategy to its implementation: a new
// strategy is a new folder plus one case here.
#ifndef NAS_CONTROLLER_SEARCH_STRATEGY_REGISTRY_H_
#define NAS_CONTROLLER_SEARCH_STRATEGY_REGISTRY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "controller/search/strategy.h"
#include "proto/search.pb.h"

namespace nas {

// INVALID_ARGUMENT naming the field if `spec.strategy` is unset or its
// parameters are out of range for the spec's budget.
absl::StatusOr<std::unique_ptr<Strategy>> MakeStrategy(const v1::SearchSpec& spec);

// "random", "aging_evolution".
std::string StrategyName(const v1::Strategy& strategy);

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_STRATEGY_REGISTRY_H_
