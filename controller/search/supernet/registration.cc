// Registers DARTS / PC-DARTS supernet search (strategy.supernet).
#include "common/status/status_macros.h"
#include "controller/search/job_payload.h"
#include "controller/search/strategy_registry.h"
#include "controller/search/supernet/supernet_strategy.h"

namespace nas {
namespace {

StrategyRegistration Supernet() {
  StrategyRegistration r;
  r.name = "supernet";
  r.spec_case = v1::Strategy::kSupernet;
  r.trains_supernet = true;
  r.normalize = [](v1::SearchSpec& spec) -> absl::Status {
    v1::SearchSpec filled = spec;
    *filled.mutable_strategy()->mutable_supernet() =
        FillSupernetDefaults(spec.strategy().supernet());
    RETURN_IF_ERROR(ValidateSupernetSpec(filled));
    spec = std::move(filled);
    return absl::OkStatus();
  };
  r.needs_training = [](const v1::SearchSpec& spec) {
    return spec.strategy().supernet().retrain();
  };
  r.job_kind = [](const v1::SearchSpec&) { return v1::SUPERNET_SEARCH; };
  r.create = [](const v1::SearchSpec& spec) -> std::unique_ptr<Strategy> {
    return std::make_unique<SupernetStrategy>(spec.strategy().supernet());
  };
  // The retrain of the derived cell is an ordinary TRAIN_CANDIDATE.
  r.fill_payload = [](const v1::SearchSpec& spec, v1::JobKind kind, v1::Job* job) {
    if (kind != v1::SUPERNET_SEARCH) return false;
    v1::SupernetPayload& payload = *job->mutable_supernet();
    *payload.mutable_space() = spec.space().darts_cell();
    *payload.mutable_search() = spec.strategy().supernet();
    *payload.mutable_data() = DataSplitForSpec(spec);
    payload.set_retrain_cells(spec.training().cells());
    payload.set_retrain_init_channels(spec.training().init_channels());
    return true;
  };
  return r;
}

const StrategyRegistrar kRegistrar(Supernet());

}  // namespace
}  // namespace nas
