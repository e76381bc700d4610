// Registers TF-NAS latency-constrained search (strategy.tfnas).
#include "common/status/status_macros.h"
#include "controller/search/strategy_registry.h"
#include "controller/search/tfnas/tfnas_strategy.h"

namespace nas {
namespace {

StrategyRegistration TfNas() {
  StrategyRegistration r;
  r.name = "tfnas";
  r.spec_case = v1::Strategy::kTfnas;
  r.trains_supernet = true;
  r.normalize = [](v1::SearchSpec& spec) -> absl::Status {
    v1::SearchSpec filled = spec;
    *filled.mutable_strategy()->mutable_tfnas() = FillTfNasDefaults(spec.strategy().tfnas());
    RETURN_IF_ERROR(ValidateTfNasSpec(filled));
    spec = std::move(filled);
    return absl::OkStatus();
  };
  r.needs_training = [](const v1::SearchSpec& spec) { return spec.strategy().tfnas().retrain(); };
  r.job_kind = [](const v1::SearchSpec&) { return v1::TFNAS_SEARCH; };
  r.create = [](const v1::SearchSpec& spec) -> std::unique_ptr<Strategy> {
    return std::make_unique<TfNasStrategy>(spec.strategy().tfnas());
  };
  return r;
}

const StrategyRegistrar kRegistrar(TfNas());

}  // namespace
}  // namespace nas
