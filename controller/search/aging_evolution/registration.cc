// Registers regularized (aging) evolution (strategy.aging_evolution).
#include "absl/strings/str_cat.h"
#include "controller/search/aging_evolution/aging_evolution.h"
#include "controller/search/strategy_registry.h"

namespace nas {
namespace {

absl::Status Check(const v1::SearchSpec& spec) {
  const v1::AgingEvolution& ae = spec.strategy().aging_evolution();
  if (ae.population_size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strategy.aging_evolution.population_size: ", ae.population_size(), " must be >= 2"));
  }
  if (ae.population_size() > spec.budget()) {
    return absl::InvalidArgumentError(
        absl::StrCat("strategy.aging_evolution.population_size: ", ae.population_size(),
                     " must not exceed budget (", spec.budget(), ")"));
  }
  if (ae.sample_size() < 1 || ae.sample_size() > ae.population_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("strategy.aging_evolution.sample_size: ", ae.sample_size(),
                     " must be in 1..population_size (", ae.population_size(), ")"));
  }
  if (spec.has_warm_start()) {
    const v1::WarmStart& w = spec.warm_start();
    if (w.search_id() <= 0) {
      return absl::InvalidArgumentError("warm_start.search_id: must be > 0");
    }
    if (w.count() < 1 || w.count() > ae.population_size() || w.count() >= spec.budget()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "warm_start.count: ", w.count(), " must be in 1..population_size (",
          ae.population_size(), ") and less than budget (", spec.budget(), ")"));
    }
  }
  return absl::OkStatus();
}

StrategyRegistration Aging() {
  StrategyRegistration r;
  r.name = "aging_evolution";
  r.spec_case = v1::Strategy::kAgingEvolution;
  r.normalize = [](v1::SearchSpec& spec) { return Check(spec); };
  r.create = [](const v1::SearchSpec& spec) -> std::unique_ptr<Strategy> {
    const v1::AgingEvolution& ae = spec.strategy().aging_evolution();
    return std::make_unique<AgingEvolution>(ae.population_size(), ae.sample_size(),
                                            /*inherit_weights=*/spec.space().has_convnet());
  };
  return r;
}

const StrategyRegistrar kRegistrar(Aging());

}  // namespace
}  // namespace nas
