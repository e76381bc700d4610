#include "worker/nash/sgdr_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
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

absl::Status ValidateOptions(const ConvNetTrainOptions& o) {
  if (o.epochs < 1) return InvalidOption("epochs", o.epochs, ">= 1");
  if (o.batch_size < 1) return InvalidOption("batch_size", o.batch_size, ">= 1");
  if (o.lr_max < 0) return InvalidOption("lr_max", o.lr_max, ">= 0");
  if (!(o.lr_min >= 0 && !(o.lr_min > o.lr_max))) {
    return InvalidOption("lr_min", o.lr_min, ">= 0 and <= lr_max");
  }
  if (!(o.restart_period_epochs >= 0) || !std::isfinite(o.restart_period_epochs)) {
    return InvalidOption("restart_period_epochs", o.restart_period_epochs,
                         "finite and >= 0 (0 = the whole run)");
  }
  if (!(o.t_mult >= 1) || !std::isfinite(o.t_mult)) {
    return InvalidOption("t_mult", o.t_mult, "finite and >= 1");
  }
  if (!(o.momentum >= 0 && o.momentum < 1)) {
    return InvalidOption("momentum", o.momentum, "in [0, 1)");
  }
  if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay)) {
    return InvalidOption("weight_decay", o.weight_decay, "finite and >= 0");
  }
  return absl::OkStatus();
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

struct Run {
  ConvNet net;
  torch::optim::SGD optimizer;
  torch::Tensor images, labels;  // The training set, on the device, in the net's dtype.
  int64_t step = 0, steps_per_epoch = 0, total_steps = 0;
};

// One pass over the training set in `order`; the mean batch loss.
absl::StatusOr<double> TrainEpoch(Run& run, const torch::Tensor& order,
                                  const ConvNetTrainOptions& o) {
  run.net->train();
  const int64_t n = order.size(0);
  double loss_sum = 0;
  for (int64_t b = 0; b < run.steps_per_epoch; ++b) {
    const int64_t begin = b * o.batch_size;
    const double epochs_done = static_cast<double>(run.step) / run.steps_per_epoch;
    SetSgdLearningRate(run.optimizer, SgdrLearningRate(o, epochs_done));
    const torch::Tensor batch = order.slice(0, begin, std::min(n, begin + o.batch_size));
    const torch::Tensor loss = torch::nn::functional::cross_entropy(
        run.net->forward(run.images.index_select(0, batch)), run.labels.index_select(0, batch));
    ASSIGN_OR_RETURN(const double loss_value, FiniteLoss(loss, run.step, run.total_steps));
    run.optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(run.net->parameters(), kMaxGradNorm);
    run.optimizer.step();
    loss_sum += loss_value;
    ++run.step;
    if (o.on_progress &&
        !o.on_progress(static_cast<double>(run.step) / static_cast<double>(run.total_steps))) {
      return absl::CancelledError(
          absl::StrCat("training stopped on request at step ", run.step, " of ", run.total_steps));
    }
  }
  return loss_sum / static_cast<double>(run.steps_per_epoch);
}

// Batches per epoch: ceil(n / batch), less a trailing batch of a single
// example (BatchNorm in train mode may have nothing to normalise it by).
int64_t StepsPerEpoch(int64_t n, int64_t batch) {
  const int64_t steps = (n + batch - 1) / batch;
  return batch > 1 && n > 1 && n % batch == 1 ? steps - 1 : steps;
}

absl::StatusOr<ConvNetTrainOutcome> Train(ConvNet& net, const TrainValidationSplit& data,
                                          const ConvNetTrainOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  net->to(o.device);
  const auto dtype = net->parameters().front().scalar_type();
  Run run{net,
          // The rate is set before every step; 0 here because SGD's
          // constructor rejects a NaN rate, which must reach the loss check.
          torch::optim::SGD(
              net->parameters(),
              torch::optim::SGDOptions(0.0).momentum(o.momentum).weight_decay(o.weight_decay)),
          data.train.images.to(o.device, dtype), data.train.labels.to(o.device)};
  const int64_t n = data.train.size();
  run.steps_per_epoch = StepsPerEpoch(n, o.batch_size);
  run.total_steps = run.steps_per_epoch * o.epochs;
  ConvNetTrainOutcome outcome;
  torch::Generator shuffle = torch::make_generator<torch::CPUGeneratorImpl>(o.seed);
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(n, shuffle, torch::kInt64).to(o.device);
    ASSIGN_OR_RETURN(outcome.final_train_loss, TrainEpoch(run, order, o));
  }
  ASSIGN_OR_RETURN(outcome.validation_accuracy, EvaluateAccuracy(net, data.validation, o.device));
  outcome.parameter_count = CountParameters(*net);
  outcome.train_examples = n;
  outcome.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace

double SgdrLearningRate(const ConvNetTrainOptions& o, double epochs_done) {
  const double t0 = o.restart_period_epochs > 0 ? o.restart_period_epochs : o.epochs;
  double period = t0, t = std::max(epochs_done, 0.0);
  if (o.t_mult == 1) {
    t = std::fmod(t, period);
  } else {
    // Periods t0, t0 m, t0 m^2, ... end at t0 (m^k - 1) / (m - 1); jump to
    // the current one, then let the loop absorb rounding.
    const double m = o.t_mult;
    const double k = std::floor(std::log1p(t * (m - 1) / t0) / std::log(m));
    if (k > 0) {
      t -= t0 * (std::pow(m, k) - 1) / (m - 1);
      period = t0 * std::pow(m, k);
    }
    while (t >= period) {
      t -= period;
      period *= m;
    }
    t = std::max(t, 0.0);
  }
  return o.lr_min + 0.5 * (o.lr_max - o.lr_min) * (1 + std::cos(kPi * t / period));
}

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
  return CallGuarded("evaluating", [&]() -> absl::StatusOr<double> {
    torch::NoGradGuard no_grad;
    net->to(device);
    net->eval();
    const auto dtype = net->parameters().front().scalar_type();
    int64_t correct = 0;
    const int64_t n = data.size();
    for (int64_t begin = 0; begin < n; begin += kEvalBatch) {
      const int64_t end = std::min(n, begin + kEvalBatch);
      const torch::Tensor logits = net->forward(data.images.slice(0, begin, end).to(device, dtype));
      if (!logits.isfinite().all().item<bool>()) {
        return absl::InvalidArgumentError(
            "non-finite loss: the network gives non-finite outputs on evaluation data "
            "(training diverged)");
      }
      correct +=
          logits.argmax(1).eq(data.labels.slice(0, begin, end).to(device)).sum().item<int64_t>();
    }
    return static_cast<double>(correct) / static_cast<double>(n);
  });
}

}  // namespace nas
