#include "controller/search/tfnas/tfnas_strategy.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "controller/search/field_range.h"

namespace nas {
namespace {

absl::Status CheckRange(const char* field, double value, double lo, double hi) {
  return CheckFieldRange("strategy.tfnas.", field, value, lo, hi);
}

}  // namespace

v1::TfNasSearch FillTfNasDefaults(v1::TfNasSearch t) {
  if (t.epochs() == 0) t.set_epochs(90);
  if (t.warmup_epochs() == 0) t.set_warmup_epochs(std::min(10, t.epochs() - 1));
  if (t.batch_size() == 0) t.set_batch_size(32);
  if (t.weight_learning_rate() == 0) t.set_weight_learning_rate(0.025);
  if (t.arch_learning_rate() == 0) t.set_arch_learning_rate(1e-2);
  if (t.latency_weight() == 0) t.set_latency_weight(0.1);
  if (t.measure_repeats() == 0) t.set_measure_repeats(20);
  if (t.measure_width_stride() == 0) t.set_measure_width_stride(8);
  return t;
}

absl::Status ValidateTfNasSpec(const v1::SearchSpec& spec) {
  const v1::TfNasSearch& t = spec.strategy().tfnas();
  if (!spec.space().has_tfnas()) {
    return absl::InvalidArgumentError("strategy.tfnas: needs the tfnas space");
  }
  const bool absolute = t.target_latency_ms() != 0;
  const bool relative = t.target_fraction() != 0;
  if (absolute == relative) {
    return absl::InvalidArgumentError(
        "strategy.tfnas.target_latency_ms: set exactly one of target_latency_ms and "
        "target_fraction");
  }
  if (absolute) RETURN_IF_ERROR(CheckRange("target_latency_ms", t.target_latency_ms(), 1e-6, 1e6));
  if (relative) RETURN_IF_ERROR(CheckRange("target_fraction", t.target_fraction(), 1e-6, 1));
  if (t.latency_table_path().size() > 4096) {
    return absl::InvalidArgumentError(
        "strategy.tfnas.latency_table_path: must be at most 4096 characters");
  }
  for (const absl::Status& status :
       {CheckRange("epochs", t.epochs(), 1, 1000),
        CheckRange("warmup_epochs", t.warmup_epochs(), 0, t.epochs() - 1),
        CheckRange("batch_size", t.batch_size(), 1, 4096),
        CheckRange("weight_learning_rate", t.weight_learning_rate(), 1e-8, 10),
        CheckRange("arch_learning_rate", t.arch_learning_rate(), 1e-8, 10),
        CheckRange("latency_weight", t.latency_weight(), 0, 1e3),
        CheckRange("measure_repeats", t.measure_repeats(), 1, 1000),
        CheckRange("measure_width_stride", t.measure_width_stride(), 1, 1024)}) {
    RETURN_IF_ERROR(status);
  }
  if (spec.budget() != TfNasStrategy::Budget(t)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "budget: ", spec.budget(), " must be ", TfNasStrategy::Budget(t), " for a TF-NAS search ",
        t.latency_table_path().empty() ? "(a latency measurement, then the search"
                                       : "with a latency table file (the search",
        t.retrain() ? ", then the retrain)" : ")"));
  }
  return absl::OkStatus();
}

std::string DescribeTfNas(const v1::TfNasSearch& t) {
  return absl::StrCat("TF-NAS, target ",
                      t.target_latency_ms() != 0
                          ? absl::StrCat(t.target_latency_ms(), " ms")
                          : absl::StrCat(t.target_fraction(), " of the table's latency range"),
                      ", ", t.epochs(), " epochs");
}

bool TfNasStrategy::Finished(const SearchView& view) const {
  // A failed measurement leaves no table to search with, a failed search no
  // architecture to retrain.
  for (const HistoryEntry& entry : view.history) {
    if (entry.state == HistoryEntry::State::kFailed) return true;
  }
  return false;
}

absl::StatusOr<std::optional<Proposal>> TfNasStrategy::Propose(const SearchView& view,
                                                               const SearchSpace& /*space*/,
                                                               SeededRandom& /*rng*/) const {
  const int search_birth = tfnas_.latency_table_path().empty() ? 1 : 0;
  auto evaluated = [&view](int birth) {
    return static_cast<int>(view.history.size()) > birth &&
           view.history[birth].state == HistoryEntry::State::kEvaluated;
  };
  Proposal p;  // Neither the measurement nor the search starts from a genome.
  if (view.births == 0 && search_birth == 1) {
    p.mutation = "latency table measurement";
    p.job_kind = v1::MEASURE_LATENCY;
    return p;
  }
  if (view.births == search_birth && (search_birth == 0 || evaluated(0))) {
    p.mutation = absl::StrCat("supernet search: ", DescribeTfNas(tfnas_));
    if (search_birth == 1) p.parent_id = view.history[0].individual_id;  // Its table.
    p.job_kind = v1::TFNAS_SEARCH;
    return p;
  }
  if (view.births == search_birth + 1 && tfnas_.retrain() && evaluated(search_birth)) {
    p.genome = view.history[search_birth].genome;  // Derived by the search.
    p.parent_id = view.history[search_birth].individual_id;
    p.mutation = "retrain from scratch: the derived architecture trained as a candidate";
    p.job_kind = v1::TRAIN_CANDIDATE;
    return p;
  }
  return std::nullopt;
}

}  // namespace nas
