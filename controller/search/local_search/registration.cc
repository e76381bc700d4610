// Registers local search (strategy.local_search).
#include "controller/search/local_search/local_search.h"
#include "controller/search/strategy_registry.h"

namespace nas {
namespace {

StrategyRegistration Local() {
  StrategyRegistration r;
  r.name = "local_search";
  r.spec_case = v1::Strategy::kLocalSearch;
  r.normalize = [](v1::SearchSpec& spec) -> absl::Status {
    if (!spec.space().has_nasbench201() && !spec.space().has_darts_cell()) {
      return absl::InvalidArgumentError(
          "strategy.local_search: needs the nasbench201 or darts_cell space");
    }
    return absl::OkStatus();
  };
  r.create = [](const v1::SearchSpec& spec) -> std::unique_ptr<Strategy> {
    return std::make_unique<LocalSearch>(spec.space());
  };
  return r;
}

const StrategyRegistrar kRegistrar(Local());

}  // namespace
}  // namespace nas
