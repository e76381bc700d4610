#include "worker/nash/train_morphed_runner.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/genome/convnet_genome.h"
#include "common/genome/morphism.h"
#include "common/random/seeded_random.h"
#include "common/status/status_macros.h"
#include "worker/nash/checkpoint.h"
#include "worker/nash/convnet.h"
#include "worker/nash/sgdr_trainer.h"
#include "worker/nash/weight_morphism.h"
#include "worker/runtime/job_payload.h"
#include "worker/runtime/job_runner_registry.h"
#include "worker/runtime/resumable_run.h"
#include "worker/train_candidate/pre_training_check.h"
#include "worker/training/augmentation.h"
#include "worker/training/default_generator.h"
#include "worker/training/training_resume.h"

namespace nas {
namespace {

// The child of the job's parent checkpoint under its morphisms, with the
// measured function-preservation error.
absl::StatusOr<std::pair<ConvNet, double>> MorphParent(const v1::Job& job, ControllerClient& client,
                                                       const ConvNetGenome& child_genome,
                                                       const TrainValidationSplit& data) {
  const int64_t in_channels = data.train.images.size(1);
  const int64_t classes = data.train.num_classes;
  ASSIGN_OR_RETURN(ConvNetGenome parent_genome,
                   ParseConvNetGenome(job.parent_architecture().text()));
  ASSIGN_OR_RETURN(std::string bytes, client.DownloadCheckpoint(job.parent_checkpoint()));
  // Building the parent and the child draws initial weights (overwritten by
  // the loaded and morphed ones): from the job's seed, as no other slot's.
  ASSIGN_OR_RETURN(ConvNet parent, RunSeeded(job.seed(), [&] {
                     return DeserializeNet(parent_genome, in_channels, classes, bytes);
                   }));
  ASSIGN_OR_RETURN(std::vector<Morphism> morphisms, ParseMorphisms(job.morphisms()));
  ASSIGN_OR_RETURN(ConvNetGenome expected, ApplyAllToGenome(parent_genome, morphisms));
  if (ConvNetGenomeToText(expected) != ConvNetGenomeToText(child_genome)) {
    return absl::InvalidArgumentError(
        absl::StrCat("morphisms '", job.morphisms(), "' turn the parent into '",
                     ConvNetGenomeToText(expected), "', not the job's architecture"));
  }
  SeededRandom rng(job.seed());
  ASSIGN_OR_RETURN(ConvNet child, RunSeeded(job.seed(), [&] {
                     return ApplyMorphismsToNet(parent_genome, parent, morphisms, in_channels,
                                                classes, rng);
                   }));
  const auto batch = data.validation.images.slice(0, 0, 256);
  const double error = MaxRelativeDifference(parent, child, batch);
  if (!(error <= kFunctionPreservationTolerance)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "function not preserved by '%s': max relative output difference %.3g > %.0e",
        job.morphisms(), error, kFunctionPreservationTolerance));
  }
  return std::make_pair(child, error);
}

}  // namespace

absl::StatusOr<v1::EvaluationResult> TrainMorphedRunner::Run(const v1::Job& job,
                                                             const JobHooks& hooks) {
  RETURN_IF_ERROR(CheckJobPayload(job, v1::Job::kTrain));
  const v1::TrainPayload& payload = job.train();
  ASSIGN_OR_RETURN(ConvNetGenome genome, ParseConvNetGenome(job.architecture().text()));
  ASSIGN_OR_RETURN(DatasetCache::CheckedSplit checked, datasets_->GetChecked(payload.data()));
  const std::shared_ptr<const TrainValidationSplit> data = checked.split;
  RETURN_IF_ERROR(RequireInMemory(*data, payload.data().dataset(), "NASH's morphism training"));
  const int64_t in_channels = data->train.images.size(1);

  ConvNet net{nullptr};
  double preservation_error = 0;
  if (job.parent_checkpoint().empty()) {
    // The start net's initial weights.
    ASSIGN_OR_RETURN(net, RunSeeded(job.seed(), [&] {
                       return MakeConvNet(genome, in_channels, data->train.num_classes);
                     }));
  } else {
    ASSIGN_OR_RETURN(auto child, MorphParent(job, *client_, genome, *data));
    net = child.first;
    preservation_error = child.second;
    const std::string how = job.morphisms().empty()
                                ? "took the parent's weights as they are"
                                : absl::StrCat("morphed the parent by '", job.morphisms(), "'");
    hooks.Log(absl::StrFormat("%s: max relative output difference %.3g", how, preservation_error));
  }

  // The child as morphed, measured before any training: one that breaks
  // the search's constraints is reported as it is, untrained.
  ASSIGN_OR_RETURN(const CandidateCost cost, MeasureNetwork(net, data->image_shape()));
  if (std::optional<v1::EvaluationResult> infeasible = InfeasibleResult(payload, cost)) {
    hooks.Log(
        absl::StrCat("not trained: breaks the constraints: ", infeasible->infeasible_reason()));
    *infeasible->mutable_data() = checked.description;
    return *infeasible;
  }

  const v1::Training& t = payload.training();
  ConvNetTrainOptions options;
  options.device = device_;
  options.epochs = job.epochs() > 0 ? job.epochs() : t.epochs();
  options.batch_size = t.batch_size();
  options.lr_max = t.learning_rate();
  options.lr_min = payload.sgdr_lr_min();
  options.restart_period_epochs = payload.sgdr_period_epochs();
  options.momentum = t.momentum();
  options.weight_decay = t.weight_decay();
  options.seed = job.seed();
  options.augmentation = ResolveAugmentation(payload.data().dataset().augmentation(),
                                             data->train.images.sizes().slice(1));
  options.on_progress = hooks.progress;
  options.log = hooks.log;
  options.resume.on_state = ResumeStateSink(hooks);
  // A refused state leaves the net as morphed, to train from there.
  ASSIGN_OR_RETURN(ConvNetTrainOutcome outcome,
                   RunResumable<ConvNetTrainOutcome>(job, *client_, hooks, kTrainingResumeField,
                                                     [&](const std::string& state) {
                                                       options.resume.state = state;
                                                       return TrainConvNet(net, *data, options);
                                                     }));
  ASSIGN_OR_RETURN(std::string bytes, SerializeNet(net));
  ASSIGN_OR_RETURN(std::string digest, client_->UploadCheckpoint(bytes));

  v1::EvaluationResult result;
  result.set_fitness(outcome.validation_accuracy);
  result.set_parameter_count(outcome.parameter_count);
  AddCost(cost, &result);
  result.set_checkpoint(digest);
  auto& metrics = *result.mutable_metrics();
  metrics["final_train_loss"] = outcome.final_train_loss;
  metrics["train_seconds"] = outcome.train_seconds;
  metrics["train_examples"] = static_cast<double>(outcome.train_examples);
  metrics["epochs"] = options.epochs;
  metrics["function_preservation_error"] = preservation_error;
  metrics["checkpoint_bytes"] = static_cast<double>(bytes.size());
  *result.mutable_data() = checked.description;
  return result;
}

namespace {

const JobRunnerRegistrar kRegistrar(
    {v1::TRAIN_MORPHED, "train_morphed",
     "NASH: morphs a parent's trained network into a child and trains it with SGDR",
     [](const JobRunnerContext& context) -> std::unique_ptr<JobRunner> {
       return std::make_unique<TrainMorphedRunner>(torch::Device(context.device), context.datasets,
                                                   context.client);
     }});

}  // namespace

}  // namespace nas
