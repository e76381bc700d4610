#include "controller/search/supernet/supernet_strategy.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "controller/search/field_range.h"

namespace nas {
namespace {

absl::Status CheckRange(const char* field, double value, double lo, double hi) {
  return CheckFieldRange("strategy.supernet.", field, value, lo, hi);
}

}  // namespace

v1::SupernetSearch FillSupernetDefaults(v1::SupernetSearch s) {
  const bool pc = s.method() == v1::SupernetSearch::PC_DARTS;
  if (s.order() == v1::SupernetSearch::ORDER_UNSPECIFIED) {
    s.set_order(v1::SupernetSearch::FIRST_ORDER);
  }
  if (pc && s.partial_k() == 0) s.set_partial_k(4);
  if (s.epochs() == 0) s.set_epochs(50);
  // PC-DARTS's premise: 1/K of the channels take 1/K of the memory, so the
  // batch (and with it the learning rate) grows K-fold: 256 and 0.1 at K = 4.
  const int k = pc ? s.partial_k() : 1;
  if (s.batch_size() == 0) s.set_batch_size(std::min(64 * k, 4096));
  if (s.cells() == 0) s.set_cells(8);
  if (s.init_channels() == 0) s.set_init_channels(16);
  if (s.weight_learning_rate() == 0) s.set_weight_learning_rate(0.025 * k);
  if (s.weight_learning_rate_min() == 0) s.set_weight_learning_rate_min(0.001);
  if (s.weight_momentum() == 0) s.set_weight_momentum(0.9);
  if (s.weight_decay() == 0) s.set_weight_decay(3e-4);
  if (s.arch_learning_rate() == 0) s.set_arch_learning_rate(pc ? 6e-4 : 3e-4);
  if (s.arch_weight_decay() == 0) s.set_arch_weight_decay(1e-3);
  if (s.grad_clip() == 0) s.set_grad_clip(5);
  // PC-DARTS freezes the architecture for its first 15 of 50 epochs.
  // -1 (none) stays -1, so that filling the defaults twice changes nothing.
  if (s.arch_warmup_epochs() == 0) {
    const int warm_up = pc ? static_cast<int>(std::lround(0.3 * s.epochs())) : 0;
    s.set_arch_warmup_epochs(warm_up == 0 ? -1 : warm_up);
  }
  return s;
}

absl::Status ValidateSupernetSpec(const v1::SearchSpec& spec) {
  const v1::SupernetSearch& s = spec.strategy().supernet();
  if (s.method() != v1::SupernetSearch::DARTS && s.method() != v1::SupernetSearch::PC_DARTS) {
    return absl::InvalidArgumentError("strategy.supernet.method: must be DARTS or PC_DARTS");
  }
  if (!v1::SupernetSearch::Order_IsValid(s.order())) {
    return absl::InvalidArgumentError(
        "strategy.supernet.order: must be FIRST_ORDER or SECOND_ORDER");
  }
  if (!spec.space().has_darts_cell()) {
    return absl::InvalidArgumentError(
        "strategy.supernet: needs the darts_cell space (the supernet is a DARTS cell)");
  }
  if (s.method() == v1::SupernetSearch::PC_DARTS) {
    RETURN_IF_ERROR(CheckRange("partial_k", s.partial_k(), 2, 64));
    if (s.init_channels() % s.partial_k() != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("strategy.supernet.init_channels: ", s.init_channels(),
                       " must be a multiple of partial_k (", s.partial_k(), ")"));
    }
  } else if (s.partial_k() != 0) {
    return absl::InvalidArgumentError(
        "strategy.supernet.partial_k: only PC_DARTS takes partial channels");
  }
  for (const absl::Status& status :
       {CheckRange("epochs", s.epochs(), 1, 1000),
        CheckRange("batch_size", s.batch_size(), 1, 4096), CheckRange("cells", s.cells(), 1, 40),
        CheckRange("init_channels", s.init_channels(), 1, 256),
        CheckRange("weight_learning_rate", s.weight_learning_rate(), 1e-8, 10),
        CheckRange("weight_learning_rate_min", s.weight_learning_rate_min(), 0,
                   s.weight_learning_rate()),
        CheckRange("weight_momentum", s.weight_momentum(), 0, 0.999),
        CheckRange("weight_decay", s.weight_decay(), 0, 1),
        CheckRange("arch_learning_rate", s.arch_learning_rate(), 1e-8, 10),
        CheckRange("arch_weight_decay", s.arch_weight_decay(), 0, 1),
        CheckRange("grad_clip", s.grad_clip(), 1e-6, 1e6),
        CheckRange("arch_warmup_epochs", s.arch_warmup_epochs(), -1, s.epochs() - 1)}) {
    RETURN_IF_ERROR(status);
  }
  if (spec.budget() != SupernetStrategy::Budget(s)) {
    return absl::InvalidArgumentError(
        absl::StrCat("budget: ", spec.budget(), " must be ", SupernetStrategy::Budget(s),
                     " for a supernet search", s.retrain() ? " with retrain" : " without retrain"));
  }
  return absl::OkStatus();
}

std::string DescribeSupernet(const v1::SupernetSearch& s) {
  return absl::StrCat(
      s.method() == v1::SupernetSearch::PC_DARTS ? absl::StrCat("PC-DARTS (K=", s.partial_k(), ")")
                                                 : "DARTS",
      s.order() == v1::SupernetSearch::SECOND_ORDER ? ", second order" : ", first order", ", ",
      s.epochs(), " epochs");
}

bool SupernetStrategy::Finished(const SearchView& view) const {
  // A failed supernet leaves nothing to retrain.
  return !view.history.empty() && view.history[0].state == HistoryEntry::State::kFailed;
}

absl::StatusOr<std::optional<Proposal>> SupernetStrategy::Propose(const SearchView& view,
                                                                  const SearchSpace& /*space*/,
                                                                  SeededRandom& /*rng*/) const {
  if (view.births == 0) {
    // The genome is unknown until the worker derives it; the report fills it in.
    Proposal p;
    p.mutation = absl::StrCat("supernet search: ", DescribeSupernet(supernet_));
    p.job_kind = v1::SUPERNET_SEARCH;
    return p;
  }
  if (view.births == 1 && supernet_.retrain() && !view.history.empty() &&
      view.history[0].state == HistoryEntry::State::kEvaluated) {
    Proposal p;
    p.genome = view.history[0].genome;
    p.parent_id = view.history[0].individual_id;
    p.mutation = "retrain from scratch: the derived cell trained as a candidate";
    p.job_kind = v1::TRAIN_CANDIDATE;
    return p;
  }
  return std::nullopt;
}

}  // namespace nas
