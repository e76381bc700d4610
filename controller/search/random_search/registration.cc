// Registers random search (strategy.random).
#include "controller/search/random_search/random_search.h"
#include "controller/search/strategy_registry.h"

namespace nas {
namespace {

StrategyRegistration Random() {
  StrategyRegistration r;
  r.name = "random";
  r.spec_case = v1::Strategy::kRandom;
  r.normalize = [](v1::SearchSpec& spec) -> absl::Status {
    if (spec.space().has_convnet()) {
      return absl::InvalidArgumentError(
          "strategy.random: the convnet space grows by morphisms and has nothing to sample; "
          "use nash or aging_evolution");
    }
    return absl::OkStatus();
  };
  r.create = [](const v1::SearchSpec&) -> std::unique_ptr<Strategy> {
    return std::make_unique<RandomSearch>();
  };
  return r;
}

const StrategyRegistrar kRegistrar(Random());

}  // namespace
}  // namespace nas
