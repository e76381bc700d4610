#include "worker/training/trainer.h"

#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/model/darts_network.h"
#include "worker/training/default_generator.h"
#include "worker/training/evaluation.h"
#include "worker/training/recipe_checks.h"
#include "worker/training/training_loop.h"

namespace nas {
namespace {

absl::Status ValidateOptions(const TrainOptions& o) {
  RETURN_IF_ERROR(CheckRunShape(o.epochs, o.batch_size));
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate)) {
    return InvalidTrainingOption("learning_rate", o.learning_rate, "finite and > 0");
  }
  return CheckSgdAndEvaluation(o.momentum, o.weight_decay, o.bn_recalibration_batches,
                               o.augmentation);
}

absl::Status ValidateData(const TrainValidationSplit& data) {
  for (const ImageDataset* d : {&data.train, &data.validation}) {
    const char* name = d == &data.train ? "training" : "validation";
    if (d == &data.train && data.streams_training()) {
      if (d->size() == 0 || static_cast<size_t>(d->size()) != data.train_rows.size() ||
          d->num_classes < 1) {
        return absl::InvalidArgumentError(
            "the streamed training set must be non-empty, with a label for each of its rows");
      }
      continue;
    }
    if (d->size() == 0 || !d->images.defined() || d->images.dim() != 4 ||
        d->images.size(0) != d->size() || d->num_classes < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("the ", name,
                       " set must be non-empty, with [N, C, H, W] images, N labels and "
                       "num_classes >= 1"));
    }
  }
  const std::vector<int64_t> validation_shape(data.validation.images.sizes().slice(1).vec());
  if (data.image_shape() != validation_shape ||
      data.train.num_classes != data.validation.num_classes) {
    return absl::InvalidArgumentError(
        "the training and validation sets must have the same image shape and classes");
  }
  return absl::OkStatus();
}

// The at_epoch_end hook: `log_epoch` (may be empty), then, under early
// stopping (on_epoch_accuracy), after every epoch but the last the
// validation accuracy measured as `eval` says; when on_epoch_accuracy says
// stop, `outcome` gets that epoch's numbers and the loop ends (the status
// it returns is then not an error of the run: stopped_early says so).
std::function<absl::Status(int, double)> MeasureEachEpoch(
    std::function<absl::Status(int, double)> log_epoch, const TrainableNetwork& net,
    const TrainValidationSplit& data, const AccuracyOptions& eval, const TrainOptions& o,
    TrainOutcome* outcome) {
  if (!o.on_epoch_accuracy) return log_epoch;
  return [log_epoch, net, &data, &eval, &o, outcome](int epoch, double loss) -> absl::Status {
    if (log_epoch) RETURN_IF_ERROR(log_epoch(epoch, loss));
    if (epoch + 1 >= o.epochs) return absl::OkStatus();  // The final measurement follows.
    net.module->eval();
    ASSIGN_OR_RETURN(const double accuracy, ClassifierAccuracy(net.forward, data.validation, eval));
    if (o.on_epoch_accuracy(epoch + 1, loss, accuracy)) return absl::OkStatus();
    outcome->stopped_early = true;
    outcome->epochs_trained = epoch + 1;
    outcome->final_train_loss = loss;
    outcome->validation_accuracy = accuracy;
    return absl::AbortedError(absl::StrCat("stopped early after epoch ", epoch + 1));
  };
}

absl::StatusOr<TrainOutcome> Train(const NetworkBuilder& build, const TrainValidationSplit& data,
                                   const TrainOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  // The initial weights follow the seed, whatever other slots build meanwhile.
  ASSIGN_OR_RETURN(TrainableNetwork net, RunSeeded(o.seed, build));
  net.module->to(o.device);
  TrainingLoopOptions loop;
  loop.epochs = o.epochs;
  RETURN_IF_ERROR(ResumeTraining(o.resume, net.module, o.device, loop));
  loop.batch_size = o.batch_size;
  loop.schedule =
      std::make_shared<CosineSchedule>(o.learning_rate, 0.0, CosineSchedule::Granularity::kPerStep);
  loop.momentum = o.momentum;
  loop.weight_decay = o.weight_decay;
  loop.device = o.device;
  loop.shuffle_seed = o.seed;
  loop.augment = AugmentTrainingBatches(o.augmentation, o.seed);
  loop.gpu = GpuTrainingFor(o.gpu, o.device, std::cerr);
  ApplyCudnnBenchmark(loop.gpu);
  loop.after_step = ProgressByStep(o.on_progress);
  AccuracyOptions eval;
  eval.device = o.device;
  eval.network = "the trained network";
  eval.recalibrate = net.module;
  ASSIGN_OR_RETURN(
      eval.recalibration_images,
      FirstTrainingImages(data, static_cast<int64_t>(o.bn_recalibration_batches) * o.batch_size));
  eval.recalibration_batches = o.bn_recalibration_batches;
  eval.recalibration_batch_size = o.batch_size;
  TrainOutcome outcome;
  outcome.epochs_trained = o.epochs;
  loop.at_epoch_end = MeasureEachEpoch(LogEachEpoch(o.log, o.epochs), net, data, eval, o, &outcome);
  absl::StatusOr<double> trained;
  if (data.streams_training()) {
    StreamedExamples streamed{data.train_stream, data.train_rows, data.channel_mean,
                              data.channel_std, data.train_prefetch};
    trained = RunTrainingLoop(net, streamed, loop);
  } else {
    trained =
        RunTrainingLoop(net, data.train.images.to(o.device), data.train.labels.to(o.device), loop);
  }
  if (!outcome.stopped_early) {
    RETURN_IF_ERROR(trained.status());
    outcome.final_train_loss = *trained;
    net.module->eval();
    ASSIGN_OR_RETURN(outcome.validation_accuracy,
                     ClassifierAccuracy(net.forward, data.validation, eval));
    if (o.on_epoch_accuracy) {
      o.on_epoch_accuracy(o.epochs, outcome.final_train_loss, outcome.validation_accuracy);
    }
  }
  net.module->eval();
  outcome.parameter_count = CountParameters(*net.module);
  outcome.train_examples = data.train.size();
  outcome.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace

absl::StatusOr<TrainOutcome> TrainNetworkAndEvaluate(const NetworkBuilder& build,
                                                     const TrainValidationSplit& data,
                                                     const TrainOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  RETURN_IF_ERROR(ValidateData(data));
  return CallGuarded("training", [&] { return Train(build, data, options); });
}

absl::StatusOr<TrainOutcome> TrainAndEvaluate(const DartsGenome& genome,
                                              const TrainValidationSplit& data,
                                              const TrainOptions& options) {
  RETURN_IF_ERROR(ValidateDartsGenome(genome));
  if (options.init_channels < 1) {
    return InvalidTrainingOption("init_channels", options.init_channels, ">= 1");
  }
  if (options.cells < 1) return InvalidTrainingOption("cells", options.cells, ">= 1");
  DartsNetworkOptions shape;
  shape.init_channels = options.init_channels;
  shape.cells = options.cells;
  DartsNetwork built{nullptr};
  auto build = [&]() -> absl::StatusOr<TrainableNetwork> {
    shape.in_channels = data.image_shape()[0];  // The data is validated by now.
    shape.num_classes = data.train.num_classes;
    built = DartsNetwork(genome, shape);
    return TrainableNetwork{
        built.ptr(), [net = built](const torch::Tensor& x) mutable { return net->forward(x); }};
  };
  ASSIGN_OR_RETURN(TrainOutcome outcome, TrainNetworkAndEvaluate(build, data, options));
  outcome.network = built;
  outcome.network_options = shape;
  return outcome;
}

}  // namespace nas
