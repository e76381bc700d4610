#include "controller/search/job_payload.h"

#include "absl/strings/str_cat.h"
#include "controller/search/strategy_registry.h"

namespace nas {

v1::DataSplit DataSplitForSpec(const v1::SearchSpec& spec) {
  v1::DataSplit split;
  *split.mutable_dataset() = spec.dataset();
  split.set_seed(spec.seed());
  return split;
}

v1::TrainPayload TrainPayloadForSpec(const v1::SearchSpec& spec) {
  v1::TrainPayload payload;
  *payload.mutable_space() = spec.space();
  *payload.mutable_training() = spec.training();
  *payload.mutable_data() = DataSplitForSpec(spec);
  // Candidates then measure and report every epoch, and stop when told.
  payload.set_report_epochs(spec.has_early_stopping());
  // Candidates are measured and checked against the limits before training.
  if (spec.has_constraints()) *payload.mutable_constraints() = spec.constraints();
  payload.set_latency_table_path(spec.latency_table_path());
  return payload;
}

absl::Status FillJobPayload(const v1::SearchSpec& normalized, v1::JobKind kind, v1::Job* job) {
  job->clear_payload();
  absl::StatusOr<const StrategyRegistration*> strategy = FindStrategy(normalized);
  if (!strategy.ok()) return strategy.status();
  if ((*strategy)->fill_payload && (*strategy)->fill_payload(normalized, kind, job)) {
    return absl::OkStatus();
  }
  job->clear_payload();
  switch (kind) {
    case v1::TRAIN_CANDIDATE:
    case v1::TRAIN_MORPHED:
      *job->mutable_train() = TrainPayloadForSpec(normalized);
      return absl::OkStatus();
    case v1::TABLE_LOOKUP:
      *job->mutable_table_lookup() = normalized.table_lookup();
      return absl::OkStatus();
    default:
      return absl::FailedPreconditionError(absl::StrCat("job kind ", v1::JobKind_Name(kind),
                                                        ": no payload for a ", (*strategy)->name,
                                                        " search"));
  }
}

void SetExpectedFingerprint(const std::string& fingerprint, v1::Job* job) {
  if (fingerprint.empty()) return;
  v1::DataSplit* split = nullptr;
  if (job->has_train()) split = job->mutable_train()->mutable_data();
  if (job->has_supernet()) split = job->mutable_supernet()->mutable_data();
  if (job->has_tfnas() && job->tfnas().has_data()) split = job->mutable_tfnas()->mutable_data();
  if (split != nullptr) split->set_expected_fingerprint(fingerprint);
}

}  // namespace nas
