#include "controller/search/strategy_registry.h"

#include "absl/strings/str_cat.h"
#include "controller/search/aging_evolution/aging_evolution.h"
#include "controller/search/field_range.h"
#include "controller/search/nash/nash.h"
#include "controller/search/random_search/random_search.h"
#include "controller/search/supernet/supernet_strategy.h"
#include "controller/search/tfnas/tfnas_strategy.h"

namespace nas {

std::string StrategyName(const v1::Strategy& strategy) {
  switch (strategy.kind_case()) {
    case v1::Strategy::kRandom:
      return "random";
    case v1::Strategy::kAgingEvolution:
      return "aging_evolution";
    case v1::Strategy::kNash:
      return "nash";
    case v1::Strategy::kSupernet:
      return "supernet";
    case v1::Strategy::kTfnas:
      return "tfnas";
    default:
      return "unset";
  }
}

namespace {

absl::Status CheckRange(const char* field, double value, double lo, double hi) {
  return CheckFieldRange("strategy.nash.", field, value, lo, hi);
}

absl::StatusOr<std::unique_ptr<Strategy>> MakeNash(const v1::SearchSpec& spec) {
  const v1::Nash nash = FillNashDefaults(spec.strategy().nash());
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
    if (!s.ok()) return s;
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
  return std::make_unique<NashHillClimbing>(nash);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Strategy>> MakeStrategy(const v1::SearchSpec& spec) {
  switch (spec.strategy().kind_case()) {
    case v1::Strategy::kRandom:
      return std::make_unique<RandomSearch>();
    case v1::Strategy::kAgingEvolution: {
      const auto& ae = spec.strategy().aging_evolution();
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
      return std::make_unique<AgingEvolution>(ae.population_size(), ae.sample_size(),
                                              /*inherit_weights=*/spec.space().has_convnet());
    }
    case v1::Strategy::kNash:
      return MakeNash(spec);
    case v1::Strategy::kSupernet: {
      const v1::SupernetSearch supernet = FillSupernetDefaults(spec.strategy().supernet());
      v1::SearchSpec filled = spec;
      *filled.mutable_strategy()->mutable_supernet() = supernet;
      if (absl::Status s = ValidateSupernetSpec(filled); !s.ok()) return s;
      return std::make_unique<SupernetStrategy>(supernet);
    }
    case v1::Strategy::kTfnas: {
      const v1::TfNasSearch tfnas = FillTfNasDefaults(spec.strategy().tfnas());
      v1::SearchSpec filled = spec;
      *filled.mutable_strategy()->mutable_tfnas() = tfnas;
      if (absl::Status s = ValidateTfNasSpec(filled); !s.ok()) return s;
      return std::make_unique<TfNasStrategy>(tfnas);
    }
    default:
      return absl::InvalidArgumentError(
          "strategy: must be set (random, aging_evolution, nash, supernet or tfnas)");
  }
}

}  // namespace nas
