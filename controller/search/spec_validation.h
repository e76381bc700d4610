// Checks a researcher's SearchSpec before anything is stored.
#ifndef NAS_CONTROLLER_SEARCH_SPEC_VALIDATION_H_
#define NAS_CONTROLLER_SEARCH_SPEC_VALIDATION_H_

#include "absl/status/status.h"
#include "proto/search.pb.h"

namespace nas {

// The largest SearchSpec.budget (and ExtendSearch budget) accepted.
inline constexpr int kMaxSearchBudget = 100000;

// Fills documented defaults (zero values that mean "default") and checks
// every field. On error returns INVALID_ARGUMENT whose message starts with
// the field path and states the rule, e.g.
// "training.learning_rate: -0.1 must be > 0", and leaves `spec` unchanged.
absl::Status ValidateAndNormalizeSpec(v1::SearchSpec* spec);

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_SPEC_VALIDATION_H_
