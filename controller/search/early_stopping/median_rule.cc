#include "controller/search/early_stopping/median_rule.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nas {

constexpr int kDefaultMinEpochs = 1;
constexpr int kDefaultMinCandidates = 3;
constexpr int kMaxMinCandidates = 100000;

absl::Status ValidateAndNormalizeEarlyStopping(v1::SearchSpec* spec) {
  if (!spec->has_early_stopping()) return absl::OkStatus();
  const v1::Strategy::KindCase strategy = spec->strategy().kind_case();
  if (strategy != v1::Strategy::kRandom && strategy != v1::Strategy::kAgingEvolution &&
      strategy != v1::Strategy::kLocalSearch) {
    return absl::InvalidArgumentError(
        "early_stopping: needs a strategy that trains many candidates one by one (random, "
        "aging_evolution or local_search)");
  }
  if (!spec->has_training()) {
    return absl::InvalidArgumentError(
        "early_stopping: needs training (a table lookup has no epochs to stop)");
  }
  if (!spec->early_stopping().has_median_stopping()) {
    return absl::InvalidArgumentError("early_stopping: must name a rule (median_stopping)");
  }
  v1::MedianStopping rule = spec->early_stopping().median_stopping();
  if (rule.min_epochs() == 0) rule.set_min_epochs(kDefaultMinEpochs);
  if (rule.min_candidates() == 0) rule.set_min_candidates(kDefaultMinCandidates);
  const int epochs = spec->training().epochs();
  if (rule.min_epochs() < 1 || rule.min_epochs() >= epochs) {
    return absl::InvalidArgumentError(
        absl::StrCat("early_stopping.median_stopping.min_epochs: ", rule.min_epochs(),
                     " must be in 1..training.epochs - 1 (", epochs - 1,
                     "): a candidate is never stopped after its last epoch"));
  }
  if (rule.min_candidates() < 1 || rule.min_candidates() > kMaxMinCandidates) {
    return absl::InvalidArgumentError(
        absl::StrCat("early_stopping.median_stopping.min_candidates: ", rule.min_candidates(),
                     " must be in 1..", kMaxMinCandidates));
  }
  *spec->mutable_early_stopping()->mutable_median_stopping() = rule;
  return absl::OkStatus();
}

double Median(std::vector<double> values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + mid);
  return (lower + upper) / 2;
}

std::optional<std::string> MedianStopDecision(const v1::MedianStopping& rule,
                                              const EpochStanding& standing) {
  if (standing.epoch < rule.min_epochs() || standing.epoch >= standing.epochs) return std::nullopt;
  if (static_cast<int64_t>(standing.earlier.size()) < rule.min_candidates()) return std::nullopt;
  const double median = Median(standing.earlier);
  if (!(standing.valid_accuracy < median)) return std::nullopt;
  return absl::StrFormat(
      "stopped early at epoch %d/%d: valid_accuracy %.4f < median %.4f of %d earlier candidates",
      standing.epoch, standing.epochs, standing.valid_accuracy, median,
      static_cast<int>(standing.earlier.size()));
}

}  // namespace nas
