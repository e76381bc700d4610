// Registers TF-NAS latency-constrained search (strategy.tfnas).
#include "common/status/status_macros.h"
#include "controller/search/job_payload.h"
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
  // The retrain of the derived architecture is an ordinary TRAIN_CANDIDATE;
  // the latency table is attached at lease time (it depends on the worker).
  r.fill_payload = [](const v1::SearchSpec& spec, v1::JobKind kind, v1::Job* job) {
    if (kind != v1::TFNAS_SEARCH && kind != v1::MEASURE_LATENCY) return false;
    v1::TfNasPayload& payload = *job->mutable_tfnas();
    *payload.mutable_space() = spec.space().tfnas();
    *payload.mutable_search() = spec.strategy().tfnas();
    if (kind == v1::TFNAS_SEARCH) *payload.mutable_data() = DataSplitForSpec(spec);
    return true;
  };
  return r;
}

const StrategyRegistrar kRegistrar(TfNas());

}  // namespace
}  // namespace nas
