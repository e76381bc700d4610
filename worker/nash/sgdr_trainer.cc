#include "worker/nash/sgdr_trainer.h"

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/training/evaluation.h"
#include "worker/training/learning_rate_schedule.h"
#include "worker/training/recipe_checks.h"
#include "worker/training/training_loop.h"

namespace nas {
namespace {

absl::Status ValidateOptions(const ConvNetTrainOptions& o) {
  RETURN_IF_ERROR(CheckRunShape(o.epochs, o.batch_size));
  if (o.lr_max < 0) return InvalidTrainingOption("lr_max", o.lr_max, ">= 0");
  if (!(o.lr_min >= 0 && !(o.lr_min > o.lr_max))) {
    return InvalidTrainingOption("lr_min", o.lr_min, ">= 0 and <= lr_max");
  }
  if (!(o.restart_period_epochs >= 0) || !std::isfinite(o.restart_period_epochs)) {
    return InvalidTrainingOption("restart_period_epochs", o.restart_period_epochs,
                                 "finite and >= 0 (0 = the whole run)");
  }
  if (!(o.t_mult >= 1) || !std::isfinite(o.t_mult)) {
    return InvalidTrainingOption("t_mult", o.t_mult, "finite and >= 1");
  }
  return CheckSgdAndEvaluation(o.momentum, o.weight_decay, o.bn_recalibration_batches,
                               o.augmentation);
}

absl::Status ValidateData(const ImageDataset& d, const char* name, const ConvNet& net) {
  if (d.size() == 0 || !d.images.defined() || d.images.dim() != 4 || d.images.size(0) != d.size() ||
      d.images.size(2) < 1 || d.images.size(3) < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", name, " set must be non-empty, with [N, C, H, W] images and N labels"));
  }
  if (d.images.size(1) != net->in_channels || d.num_classes != net->num_classes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", name, " set has ", d.images.size(1), " channels and ", d.num_classes,
        " classes; the network takes ", net->in_channels, " and has ", net->num_classes));
  }
  return absl::OkStatus();
}

// The accuracy of `net` (moved to `device`) on `data` in eval mode, its
// BatchNorm statistics first re-estimated from `recalibration` (unset: the
// running statistics as they are). Throws c10::Error.
absl::StatusOr<double> Measure(ConvNet& net, const ImageDataset& data, torch::Device device,
                               const std::optional<BatchNormRecalibration>& recalibration,
                               const torch::Tensor& recalibration_images) {
  net->to(device);
  net->eval();
  AccuracyOptions eval;
  eval.device = device;
  eval.dtype = net->parameters().front().scalar_type();
  eval.data = "evaluation";
  if (recalibration) {
    eval.recalibrate = net.ptr();
    eval.recalibration_images = recalibration_images;
    eval.recalibration_batches = recalibration->batches;
    eval.recalibration_batch_size = recalibration->batch_size;
  }
  return ClassifierAccuracy([net](const torch::Tensor& x) mutable { return net->forward(x); },
                            data, eval);
}

absl::StatusOr<ConvNetTrainOutcome> Train(ConvNet& net, const TrainValidationSplit& data,
                                          const ConvNetTrainOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  net->to(o.device);
  const auto dtype = net->parameters().front().scalar_type();
  SgdrOptions sgdr;
  sgdr.lr_max = o.lr_max;
  sgdr.lr_min = o.lr_min;
  sgdr.period_epochs = o.restart_period_epochs;
  sgdr.t_mult = o.t_mult;
  TrainingLoopOptions loop;
  loop.epochs = o.epochs;
  RETURN_IF_ERROR(ResumeTraining(o.resume, net.ptr(), o.device, loop));
  loop.batch_size = o.batch_size;
  loop.skip_single_example_batch = true;
  loop.schedule = std::make_shared<SgdrSchedule>(sgdr);
  loop.momentum = o.momentum;
  loop.weight_decay = o.weight_decay;
  loop.device = o.device;
  loop.shuffle_seed = o.seed;
  loop.augment = AugmentTrainingBatches(o.augmentation, o.seed);
  loop.after_step = ProgressByStep(o.on_progress);
  loop.at_epoch_end = LogEachEpoch(o.log, o.epochs);
  const TrainableNetwork trainable{
      net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); }};
  ConvNetTrainOutcome outcome;
  ASSIGN_OR_RETURN(outcome.final_train_loss,
                   RunTrainingLoop(trainable, data.train.images.to(o.device, dtype),
                                   data.train.labels.to(o.device), loop));
  BatchNormRecalibration recalibration;
  recalibration.batches = o.bn_recalibration_batches;
  recalibration.batch_size = o.batch_size;
  ASSIGN_OR_RETURN(outcome.validation_accuracy,
                   Measure(net, data.validation, o.device, recalibration, data.train.images));
  outcome.parameter_count = CountParameters(*net);
  outcome.train_examples = data.train.size();
  outcome.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace

absl::StatusOr<ConvNetTrainOutcome> TrainConvNet(ConvNet& net, const TrainValidationSplit& data,
                                                 const ConvNetTrainOptions& options) {
  if (net.is_empty()) return absl::InvalidArgumentError("TrainConvNet: empty network");
  RETURN_IF_ERROR(ValidateOptions(options));
  RETURN_IF_ERROR(ValidateData(data.train, "training", net));
  RETURN_IF_ERROR(ValidateData(data.validation, "validation", net));
  return CallGuarded("training", [&] { return Train(net, data, options); });
}

absl::StatusOr<double> EvaluateAccuracy(ConvNet& net, const ImageDataset& data,
                                        torch::Device device) {
  if (net.is_empty()) return absl::InvalidArgumentError("EvaluateAccuracy: empty network");
  RETURN_IF_ERROR(ValidateData(data, "evaluation", net));
  return CallGuarded("evaluating", [&] { return Measure(net, data, device, std::nullopt, {}); });
}

}  // namespace nas
