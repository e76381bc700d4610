// Registers NASH hill climbing with network morphisms (strategy.nash).
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "controller/search/field_range.h"
#include "controller/search/job_payload.h"
#include "controller/search/nash/nash.h"
#include "controller/search/strategy_registry.h"

namespace nas {
namespace {

absl::Status CheckRange(const char* field, double value, double lo, double hi) {
  return CheckFieldRange("strategy.nash.", field, value, lo, hi);
}

absl::Status Check(const v1::SearchSpec& spec) {
  const v1::Nash& nash = spec.strategy().nash();
  if (!spec.space().has_convnet()) {
    return absl::InvalidArgumentError("strategy.nash: needs the convnet space (network morphisms)");
  }
  for (const absl::Status& s :
       {CheckRange("n_steps", nash.n_steps(), 1, 100),
        CheckRange("n_neighbours", nash.n_neighbours(), 2, 64),
        CheckRange("n_morphisms", nash.n_morphisms(), 1, 20),
        CheckRange("start_epochs", nash.start_epochs(), 1, 1000),
        CheckRange("neighbour_epochs", nash.neighbour_epochs(), 1, 1000),
        CheckRange("final_epochs", nash.final_epochs(), 1, 1000),
        CheckRange("sgdr_period_epochs", nash.sgdr_period_epochs(), 0, 1000)}) {
    RETURN_IF_ERROR(s);
  }
  if (!(nash.lr_min() >= 0) || nash.lr_min() >= spec.training().learning_rate()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strategy.nash.lr_min: ", nash.lr_min(), " must be >= 0 and below training.learning_rate"));
  }
  if (spec.budget() != NashHillClimbing::Budget(nash)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "budget: ", spec.budget(),
        " must equal 2 + n_steps * n_neighbours = ", NashHillClimbing::Budget(nash), " for nash"));
  }
  return absl::OkStatus();
}

StrategyRegistration Nash() {
  StrategyRegistration r;
  r.name = "nash";
  r.spec_case = v1::Strategy::kNash;
  r.normalize = [](v1::SearchSpec& spec) -> absl::Status {
    v1::SearchSpec filled = spec;
    *filled.mutable_strategy()->mutable_nash() = FillNashDefaults(spec.strategy().nash());
    RETURN_IF_ERROR(Check(filled));
    spec = std::move(filled);
    return absl::OkStatus();
  };
  r.create = [](const v1::SearchSpec& spec) -> std::unique_ptr<Strategy> {
    return std::make_unique<NashHillClimbing>(spec.strategy().nash());
  };
  // Children train with NASH's SGDR schedule.
  r.fill_payload = [](const v1::SearchSpec& spec, v1::JobKind kind, v1::Job* job) {
    if (kind != v1::TRAIN_MORPHED) return false;
    v1::TrainPayload& payload = *job->mutable_train() = TrainPayloadForSpec(spec);
    payload.set_sgdr_lr_min(spec.strategy().nash().lr_min());
    payload.set_sgdr_period_epochs(spec.strategy().nash().sgdr_period_epochs());
    return true;
  };
  return r;
}

const StrategyRegistrar kRegistrar(Nash());

}  // namespace
}  // namespace nas
