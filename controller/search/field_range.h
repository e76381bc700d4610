// The range check every strategy's numeric fields go through, so that each
// refusal reads the same: "strategy.nash.n_steps: 0 is out of range 1..100".
#ifndef NAS_CONTROLLER_SEARCH_FIELD_RANGE_H_
#define NAS_CONTROLLER_SEARCH_FIELD_RANGE_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace nas {

// OK iff lo <= value <= hi (NaN is out of range); else INVALID_ARGUMENT naming
// `prefix` + `field`, the value and the range.
inline absl::Status CheckFieldRange(absl::string_view prefix, absl::string_view field, double value,
                                    double lo, double hi) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(prefix, field, ": ", value, " is out of range ", lo, "..", hi));
}

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_FIELD_RANGE_H_
