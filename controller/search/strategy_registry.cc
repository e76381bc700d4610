#include "controller/search/strategy_registry.h"

#include "absl/strings/str_cat.h"
#include "controller/search/aging_evolution/aging_evolution.h"
#include "controller/search/random_search/random_search.h"

namespace nas {

std::string StrategyName(const v1::Strategy& strategy) {
  switch (strategy.kind_case()) {
    case v1::Strategy::kRandom:
      return "random";
    case v1::Strategy::kAgingEvolution:
      return "aging_evolution";
    default:
      return "unset";
  }
}

absl::StatusOr<std::unique_ptr<Strategy>> MakeStrategy(const v1::SearchSpec& spec) {
  switch (spec.strategy().kind_case()) {
    case v1::Strategy::kRandom:
      return std::make_unique<RandomSearch>();
    case v1::Strategy::kAgingEvolution: {
      const auto& ae = spec.strategy().aging_evolution();
      if (ae.population_size() < 2) {
        return absl::InvalidArgumentError(absl::StrCat(
            "strategy.aging_evolution.population_size: ", ae.population_size(),
            " must be >= 2"));
      }
      if (ae.population_size() > spec.budget()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "strategy.aging_evolution.population_size: ", ae.population_size(),
            " must not exceed budget (", spec.budget(), ")"));
      }
      if (ae.sample_size() < 1 || ae.sample_size() > ae.population_size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "strategy.aging_evolution.sample_size: ", ae.sample_size(),
            " must be in 1..population_size (", ae.population_size(), ")"));
      }
      return std::make_unique<AgingEvolution>(ae.population_size(), ae.sample_size());
    }
    default:
      return absl::InvalidArgumentError(
          "strategy: must be set (random or aging_evolution)");
  }
}

}  // namespace nas
