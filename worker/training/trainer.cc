#include "worker/training/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/model/darts_network.h"
#include "worker/training/sgd_steps.h"

namespace nas {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMaxGradNorm = 5.0;
constexpr int64_t kEvalBatch = 512;

absl::Status InvalidOption(absl::string_view field, double value, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("training.", field, ": ", value, " must be ", rule));
}

absl::Status ValidateOptions(const TrainOptions& o) {
  if (o.epochs < 1) return InvalidOption("epochs", o.epochs, ">= 1");
  if (o.batch_size < 1) return InvalidOption("batch_size", o.batch_size, ">= 1");
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate)) {
    return InvalidOption("learning_rate", o.learning_rate, "finite and > 0");
  }
  if (!(o.momentum >= 0 && o.momentum < 1)) {
    return InvalidOption("momentum", o.momentum, "in [0, 1)");
  }
  if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay)) {
    return InvalidOption("weight_decay", o.weight_decay, "finite and >= 0");
  }
  return absl::OkStatus();
}

absl::Status ValidateData(const TrainValidationSplit& data) {
  for (const ImageDataset* d : {&data.train, &data.validation}) {
    const char* name = d == &data.train ? "training" : "validation";
    if (d->size() == 0 || !d->images.defined() || d->images.dim() != 4 ||
        d->images.size(0) != d->size() || d->num_classes < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("the ", name,
                       " set must be non-empty, with [N, C, H, W] images, N labels and "
                       "num_classes >= 1"));
    }
  }
  if (data.train.images.sizes().slice(1) != data.validation.images.sizes().slice(1) ||
      data.train.num_classes != data.validation.num_classes) {
    return absl::InvalidArgumentError(
        "the training and validation sets must have the same image shape and classes");
  }
  return absl::OkStatus();
}

// What one training run needs on the device, and where it stands.
struct Run {
  TrainableNetwork net;
  torch::optim::SGD optimizer;
  torch::Tensor images, labels;  // The training set, on the device.
  int64_t step = 0, total_steps = 0;
};

// One pass over the training set in `order`; the mean batch loss.
absl::StatusOr<double> TrainEpoch(Run& run, const torch::Tensor& order, const TrainOptions& o) {
  run.net.module->train();
  const int64_t n = order.size(0);
  double loss_sum = 0;
  int64_t batches = 0;
  for (int64_t begin = 0; begin < n; begin += o.batch_size, ++run.step, ++batches) {
    SetSgdLearningRate(run.optimizer,
                    0.5 * o.learning_rate * (1 + std::cos(kPi * run.step / run.total_steps)));
    const torch::Tensor batch = order.slice(0, begin, std::min(n, begin + o.batch_size));
    const torch::Tensor loss = torch::nn::functional::cross_entropy(
        run.net.forward(run.images.index_select(0, batch)), run.labels.index_select(0, batch));
    ASSIGN_OR_RETURN(const double loss_value, FiniteLoss(loss, run.step, run.total_steps));
    run.optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(run.net.module->parameters(), kMaxGradNorm);
    run.optimizer.step();
    loss_sum += loss_value;
    if (o.on_progress && !o.on_progress(static_cast<double>(run.step + 1) / run.total_steps)) {
      return absl::CancelledError(absl::StrCat("training stopped on request at step ", run.step + 1,
                                               " of ", run.total_steps));
    }
  }
  return loss_sum / static_cast<double>(batches);
}

// Accuracy in eval mode, in batches.
absl::StatusOr<double> Accuracy(TrainableNetwork& net, const ImageDataset& data,
                                torch::Device device) {
  torch::NoGradGuard no_grad;
  net.module->eval();
  int64_t correct = 0;
  const int64_t n = data.size();
  for (int64_t begin = 0; begin < n; begin += kEvalBatch) {
    const int64_t end = std::min(n, begin + kEvalBatch);
    const torch::Tensor logits = net.forward(data.images.slice(0, begin, end).to(device));
    if (!logits.isfinite().all().item<bool>()) {
      return absl::InvalidArgumentError(
          "non-finite loss: the trained network gives non-finite outputs on validation "
          "data (training diverged)");
    }
    correct +=
        logits.argmax(1).eq(data.labels.slice(0, begin, end).to(device)).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

absl::StatusOr<TrainOutcome> Train(const NetworkBuilder& build, const TrainValidationSplit& data,
                                   const TrainOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  torch::manual_seed(o.seed);  // Before building: the initial weights follow the seed.
  ASSIGN_OR_RETURN(TrainableNetwork net, build());
  net.module->to(o.device);
  Run run{net,
          torch::optim::SGD(net.module->parameters(), torch::optim::SGDOptions(o.learning_rate)
                                                          .momentum(o.momentum)
                                                          .weight_decay(o.weight_decay)),
          data.train.images.to(o.device), data.train.labels.to(o.device)};
  const int64_t n = data.train.size();
  run.total_steps = (n + o.batch_size - 1) / o.batch_size * o.epochs;

  TrainOutcome outcome;
  torch::Generator shuffle = torch::make_generator<torch::CPUGeneratorImpl>(o.seed);
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(n, shuffle, torch::kInt64).to(o.device);
    ASSIGN_OR_RETURN(outcome.final_train_loss, TrainEpoch(run, order, o));
  }
  ASSIGN_OR_RETURN(outcome.validation_accuracy, Accuracy(run.net, data.validation, o.device));
  outcome.parameter_count = CountParameters(*net.module);
  outcome.train_examples = n;
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
    return InvalidOption("init_channels", options.init_channels, ">= 1");
  }
  if (options.cells < 1) return InvalidOption("cells", options.cells, ">= 1");
  DartsNetworkOptions shape;
  shape.init_channels = options.init_channels;
  shape.cells = options.cells;
  DartsNetwork built{nullptr};
  auto build = [&]() -> absl::StatusOr<TrainableNetwork> {
    shape.in_channels = data.train.images.size(1);  // The data is validated by now.
    shape.num_classes = data.train.num_classes;
    built = DartsNetwork(genome, shape);
    return TrainableNetwork{built.ptr(),
                            [net = built](const torch::Tensor& x) mutable { return net->forward(x); }};
  };
  ASSIGN_OR_RETURN(TrainOutcome outcome, TrainNetworkAndEvaluate(build, data, options));
  outcome.network = built;
  outcome.network_options = shape;
  return outcome;
}

}  // namespace nas
