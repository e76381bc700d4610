// Early stopping of candidate training (SearchSpec.early_stopping): which
// specs may ask for it, and the median stopping rule's decision. Pure
// functions; the store (controller/store/early_stopping.cc) gathers what
// they look at, inside the heartbeat's transaction.
#ifndef NAS_CONTROLLER_SEARCH_EARLY_STOPPING_MEDIAN_RULE_H_
#define NAS_CONTROLLER_SEARCH_EARLY_STOPPING_MEDIAN_RULE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/search.pb.h"

namespace nas {

// Fills the rule's defaults (min_epochs 1, min_candidates 3) into
// spec->early_stopping when it is set, and checks it: a strategy that trains
// candidates one by one with `training` (random, aging_evolution,
// local_search), min_epochs in 1..training.epochs - 1, min_candidates in
// 1..100000. INVALID_ARGUMENT naming the field otherwise, `spec` unchanged.
absl::Status ValidateAndNormalizeEarlyStopping(v1::SearchSpec* spec);

// What the median rule looks at for one reported epoch.
struct EpochStanding {
  int epoch = 0;   // 1-based, the epoch just finished.
  int epochs = 0;  // Planned epochs of the candidate.
  double valid_accuracy = 0;
  // valid_accuracy at `epoch` of each earlier-born candidate of the search
  // that reported that epoch (one value per candidate).
  std::vector<double> earlier;
};

// The median of `values` (the mean of the middle two for an even count).
// `values` must not be empty.
double Median(std::vector<double> values);

// Why the candidate should stop after standing.epoch, or nothing to go on.
// Stops only when epoch >= min_epochs, epoch < epochs (stopping after the
// last epoch saves nothing), at least min_candidates earlier values exist,
// and valid_accuracy is strictly below their median. `rule` is normalized.
std::optional<std::string> MedianStopDecision(const v1::MedianStopping& rule,
                                              const EpochStanding& standing);

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_EARLY_STOPPING_MEDIAN_RULE_H_
