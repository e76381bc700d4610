#include "worker/train_candidate/train_candidate_runner.h"

#include <string>

#include "common/genome/darts_genome.h"
#include "common/genome/tfnas_genome.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/model/darts_checkpoint.h"
#include "worker/runtime/job_payload.h"
#include "worker/runtime/job_runner_registry.h"
#include "worker/runtime/resumable_run.h"
#include "worker/tfnas/checkpoint.h"
#include "worker/tfnas/latency_table.h"
#include "worker/tfnas/network.h"
#include "worker/tfnas/space_for_data.h"
#include "worker/train_candidate/pre_training_check.h"
#include "worker/training/augmentation.h"
#include "worker/training/default_generator.h"
#include "worker/training/trainer.h"
#include "worker/training/training_resume.h"

namespace nas {
namespace {

// The job's recipe; its augmentation resolved for the shape of `data`.
TrainOptions OptionsFor(const v1::Job& job, const TrainValidationSplit& data, torch::Device device,
                        const JobHooks& hooks) {
  const v1::Training& t = job.train().training();
  TrainOptions options{device};
  options.epochs = t.epochs();
  options.batch_size = t.batch_size();
  options.learning_rate = t.learning_rate();
  options.momentum = t.momentum();
  options.weight_decay = t.weight_decay();
  options.init_channels = t.init_channels();
  options.cells = t.cells();
  options.seed = job.seed();
  options.gpu = GpuTrainingFromSpec(t.gpu());
  options.augmentation =
      ResolveAugmentation(job.train().data().dataset().augmentation(), data.image_shape());
  options.on_progress = hooks.progress;
  options.log = hooks.log;
  options.resume.on_state = ResumeStateSink(hooks);
  if (job.train().report_epochs() && hooks.epoch_verdict) {
    options.on_epoch_accuracy = [&hooks, epochs = t.epochs()](int epoch, double train_loss,
                                                              double valid_accuracy) {
      v1::EpochProgress report;
      report.set_epoch(epoch);
      report.set_epochs(epochs);
      (*report.mutable_metrics())["train_loss"] = train_loss;
      (*report.mutable_metrics())["valid_accuracy"] = valid_accuracy;
      hooks.Log(EpochLine(report));
      const std::optional<std::string> stop = hooks.epoch_verdict(report);
      if (stop.has_value()) hooks.Log(*stop);
      return !stop.has_value();
    };
  }
  return options;
}

// Logs why a candidate is not trained and completes its infeasible result.
v1::EvaluationResult NotTrained(v1::EvaluationResult result,
                                const DatasetCache::CheckedSplit& checked, const JobHooks& hooks) {
  hooks.Log(absl::StrCat("not trained: breaks the constraints: ", result.infeasible_reason()));
  *result.mutable_data() = checked.description;
  return result;
}

v1::EvaluationResult ResultOf(const TrainOutcome& outcome) {
  v1::EvaluationResult result;
  result.set_fitness(outcome.validation_accuracy);
  result.set_parameter_count(outcome.parameter_count);
  auto& metrics = *result.mutable_metrics();
  metrics["final_train_loss"] = outcome.final_train_loss;
  metrics["train_seconds"] = outcome.train_seconds;
  metrics["train_examples"] = static_cast<double>(outcome.train_examples);
  metrics["epochs_trained"] = outcome.epochs_trained;
  return result;
}

}  // namespace

absl::StatusOr<v1::EvaluationResult> TrainCandidateRunner::Run(const v1::Job& job,
                                                               const JobHooks& hooks) {
  RETURN_IF_ERROR(CheckJobPayload(job, v1::Job::kTrain));
  if (job.train().space().has_tfnas()) return RunTfNas(job, hooks);
  ASSIGN_OR_RETURN(DartsGenome genome, ParseDartsGenome(job.architecture().text()));
  ASSIGN_OR_RETURN(DatasetCache::CheckedSplit checked, datasets_->GetChecked(job.train().data()));
  const std::shared_ptr<const TrainValidationSplit> data = checked.split;
  RETURN_IF_ERROR(ValidateDartsGenome(genome));
  const v1::Training& t = job.train().training();
  DartsNetworkOptions shape;
  shape.in_channels = data->image_shape()[0];
  shape.num_classes = data->train.num_classes;
  shape.init_channels = t.init_channels();
  shape.cells = t.cells();
  // Built under RunSeeded, so that its draws land in no other slot's build.
  ASSIGN_OR_RETURN(DartsNetwork probe, CallGuarded("building the network", [&] {
                     return absl::StatusOr<DartsNetwork>(
                         RunSeeded(job.seed(), [&] { return DartsNetwork(genome, shape); }));
                   }));
  ASSIGN_OR_RETURN(const CandidateCost cost, MeasureNetwork(probe, data->image_shape()));
  if (auto infeasible = InfeasibleResult(job.train(), cost)) {
    return NotTrained(*std::move(infeasible), checked, hooks);
  }
  TrainOptions options = OptionsFor(job, *data, device_, hooks);
  ASSIGN_OR_RETURN(TrainOutcome outcome,
                   RunResumable<TrainOutcome>(job, *client_, hooks, kTrainingResumeField,
                                              [&](const std::string& state) {
                                                options.resume.state = state;
                                                return TrainAndEvaluate(genome, *data, options);
                                              }));
  // The weights go to the controller so that the best network can be
  // exported later; the controller decides how long to keep them. The
  // serializer builds a fresh network to check the shapes against: under
  // RunSeeded, so that its draws land in no other slot's seeded build.
  ASSIGN_OR_RETURN(std::string bytes, RunSeeded(job.seed(), [&] {
                     return SerializeDartsNetwork(genome, outcome.network_options, outcome.network);
                   }));
  ASSIGN_OR_RETURN(std::string digest, client_->UploadCheckpoint(bytes));
  v1::EvaluationResult result = ResultOf(outcome);
  AddCost(cost, &result);
  result.set_checkpoint(digest);
  (*result.mutable_metrics())["checkpoint_bytes"] = static_cast<double>(bytes.size());
  *result.mutable_data() = checked.description;
  return result;
}

absl::StatusOr<v1::EvaluationResult> TrainCandidateRunner::RunTfNas(const v1::Job& job,
                                                                    const JobHooks& hooks) {
  const v1::TfNasSpace& space_spec = job.train().space().tfnas();
  ASSIGN_OR_RETURN(DatasetCache::CheckedSplit checked, datasets_->GetChecked(job.train().data()));
  const std::shared_ptr<const TrainValidationSplit> data = checked.split;
  ASSIGN_OR_RETURN(TfNasSpace space, TfNasSpaceForData(space_spec, *data));
  ASSIGN_OR_RETURN(TfNasGenome genome, ParseTfNasGenome(job.architecture().text()));
  ASSIGN_OR_RETURN(TfNasNetwork probe,
                   RunSeeded(job.seed(), [&] { return BuildTfNasNetwork(space, genome); }));
  ASSIGN_OR_RETURN(CandidateCost cost, MeasureNetwork(probe, data->image_shape()));
  if (!job.train().latency_table_path().empty()) {
    ASSIGN_OR_RETURN(const LatencyTable table,
                     ReadLatencyTableFile(job.train().latency_table_path(), "latency_table_path"));
    ASSIGN_OR_RETURN(cost.latency_ms, PredictLatency(table, space, genome));
  }
  if (auto infeasible = InfeasibleResult(job.train(), cost)) {
    return NotTrained(*std::move(infeasible), checked, hooks);
  }
  TfNasNetwork built{nullptr};
  auto build = [&]() -> absl::StatusOr<TrainableNetwork> {
    ASSIGN_OR_RETURN(built, BuildTfNasNetwork(space, genome));
    return TrainableNetwork{
        built.ptr(), [net = built](const torch::Tensor& x) mutable { return net->forward(x); }};
  };
  TrainOptions options = OptionsFor(job, *data, device_, hooks);
  ASSIGN_OR_RETURN(TrainOutcome outcome,
                   RunResumable<TrainOutcome>(
                       job, *client_, hooks, kTrainingResumeField, [&](const std::string& state) {
                         options.resume.state = state;
                         return TrainNetworkAndEvaluate(build, *data, options);
                       }));
  ASSIGN_OR_RETURN(std::string bytes, RunSeeded(job.seed(), [&] {
                     return SerializeTfNasNetwork(space_spec, genome, built);
                   }));
  ASSIGN_OR_RETURN(std::string digest, client_->UploadCheckpoint(bytes));
  v1::EvaluationResult result = ResultOf(outcome);
  AddCost(cost, &result);
  result.set_checkpoint(digest);
  (*result.mutable_metrics())["checkpoint_bytes"] = static_cast<double>(bytes.size());
  *result.mutable_data() = checked.description;
  return result;
}

namespace {

const JobRunnerRegistrar kRegistrar(
    {v1::TRAIN_CANDIDATE, "train_candidate",
     "trains a fixed network (a DARTS cell, a TF-NAS retrain) and uploads its weights",
     [](const JobRunnerContext& context) -> std::unique_ptr<JobRunner> {
       return std::make_unique<TrainCandidateRunner>(torch::Device(context.device),
                                                     context.datasets, context.client);
     }});

}  // namespace

}  // namespace nas
