#include "worker/tfnas/tfnas_search_runner.h"

#include "absl/strings/str_cat.h"
#include "common/genome/tfnas_genome.h"
#include "common/search_space/tfnas_space_spec.h"
#include "common/status/status_macros.h"
#include "worker/runtime/job_payload.h"
#include "worker/runtime/job_runner_registry.h"
#include "worker/runtime/resumable_run.h"
#include "worker/tfnas/architecture_weights.h"
#include "worker/tfnas/latency_table.h"
#include "worker/tfnas/latency_target.h"
#include "worker/tfnas/network.h"
#include "worker/tfnas/search.h"
#include "worker/tfnas/space_for_data.h"
#include "worker/train_candidate/pre_training_check.h"
#include "worker/training/augmentation.h"
#include "worker/training/default_generator.h"

namespace nas {
namespace {

// The payload's table, or the search's table file.
absl::StatusOr<LatencyTable> JobLatencyTable(const v1::TfNasPayload& payload) {
  const std::string& path = payload.search().latency_table_path();
  if (path.empty()) {
    if (payload.latency_table().empty()) {
      return absl::FailedPreconditionError(
          "latency_table: the controller has no latency table for this search's space");
    }
    return ReadLatencyTableJson(payload.latency_table());
  }
  return ReadLatencyTableFile(path, "strategy.tfnas.latency_table_path");
}

}  // namespace

absl::StatusOr<v1::EvaluationResult> TfNasSearchRunner::Run(const v1::Job& job,
                                                            const JobHooks& hooks) {
  RETURN_IF_ERROR(CheckJobPayload(job, v1::Job::kTfnas));
  const v1::TfNasPayload& payload = job.tfnas();
  const v1::TfNasSearch& t = payload.search();
  ASSIGN_OR_RETURN(DatasetCache::CheckedSplit checked, datasets_->GetChecked(payload.data()));
  const std::shared_ptr<const TrainValidationSplit> data = checked.split;
  RETURN_IF_ERROR(RequireInMemory(*data, payload.data().dataset(), "a TF-NAS search"));
  ASSIGN_OR_RETURN(TfNasSpace space, TfNasSpaceForData(payload.space(), *data));
  ASSIGN_OR_RETURN(LatencyTable table, JobLatencyTable(payload));

  TfNasSearchOptions options;
  options.space = TfNasSpaceOptionsFromSpec(payload.space());
  options.latency_table = table;
  double fastest_ms = 0, slowest_ms = 0;
  {
    ASSIGN_OR_RETURN(SpaceLatencies latencies, SpaceLatencies::Create(space, table));
    fastest_ms = latencies.Predict(latencies.Fastest());
    slowest_ms = latencies.Predict(latencies.Slowest());
  }
  options.target_ms = t.target_latency_ms() != 0
                          ? t.target_latency_ms()
                          : fastest_ms + t.target_fraction() * (slowest_ms - fastest_ms);
  options.latency_weight = t.latency_weight();
  options.device = device_;
  options.epochs = t.epochs();
  options.warmup_epochs = t.warmup_epochs();
  options.batch_size = t.batch_size();
  options.weight_learning_rate = t.weight_learning_rate();
  options.arch_learning_rate = t.arch_learning_rate();
  options.measure.repeats = t.measure_repeats();
  options.seed = job.seed();
  options.augmentation = ResolveAugmentation(payload.data().dataset().augmentation(),
                                             data->train.images.sizes().slice(1));
  options.on_step = hooks.progress;  // Stops within an epoch when the job must stop.
  options.save_resume_state = static_cast<bool>(hooks.save_resume_state);
  options.on_epoch = [&](const TfNasProgress& p) {
    // Before the epoch's report, so that its heartbeat carries the state.
    SaveResumeState(hooks, p.epoch, p.resume_state);
    v1::EpochProgress report = EpochReport(p, options.epochs, p.genome);
    auto& m = *report.mutable_metrics();
    m["predicted_latency_ms"] = p.predicted_ms;
    m["expected_latency_ms"] = p.expected_ms;
    m["temperature"] = p.temperature;
    for (auto& w : TfNasArchitectureWeights(space, p.distribution)) {
      *report.add_architecture_weights() = std::move(w);
    }
    return ReportEpoch(report, hooks);
  };
  ASSIGN_OR_RETURN(TfNasOutcome outcome,
                   RunResumable<TfNasOutcome>(job, *client_, hooks, "tfnas_search.resume_state",
                                              [&](const std::string& state) {
                                                options.resume_state = state;
                                                return RunTfNasSearch(*data, options);
                                              }));
  // Built for its parameters and FLOPs; its draws must land in no other
  // slot's build.
  ASSIGN_OR_RETURN(TfNasNetwork network, RunSeeded(job.seed(), [&] {
                     return BuildTfNasNetwork(outcome.space, outcome.genome);
                   }));
  ASSIGN_OR_RETURN(const CandidateCost cost, MeasureNetwork(network, data->image_shape()));
  ASSIGN_OR_RETURN(std::string digest, client_->UploadCheckpoint(outcome.arch_bytes));

  v1::EvaluationResult result;
  result.set_fitness(outcome.valid_accuracy);  // The derived path in the supernet.
  AddCost(cost, &result);
  result.set_checkpoint(digest);
  result.mutable_architecture()->set_text(TfNasGenomeToText(outcome.genome));
  auto& metrics = *result.mutable_metrics();
  metrics["target_latency_ms"] = options.target_ms;
  metrics["predicted_latency_ms"] = outcome.predicted_ms;
  metrics["measured_latency_ms"] = outcome.measured_ms;
  metrics["plain_predicted_latency_ms"] = outcome.plain_predicted_ms;
  metrics["table_fastest_ms"] = fastest_ms;
  metrics["table_slowest_ms"] = slowest_ms;
  metrics["repairs"] = static_cast<double>(outcome.repairs.size());
  metrics["supernet_train_accuracy"] = outcome.train_accuracy;
  metrics["supernet_valid_accuracy"] = outcome.valid_accuracy;
  metrics["search_seconds"] = outcome.seconds;
  *result.mutable_data() = checked.description;
  return result;
}

namespace {

const JobRunnerRegistrar kRegistrar(
    {v1::TFNAS_SEARCH, "tfnas_search",
     "TF-NAS: latency-constrained supernet search over operator, depth and width",
     [](const JobRunnerContext& context) -> std::unique_ptr<JobRunner> {
       return std::make_unique<TfNasSearchRunner>(torch::Device(context.device), context.datasets,
                                                  context.client);
     }});

}  // namespace

}  // namespace nas
