#include "worker/training/trainer.h"

#include <chrono>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "worker/model/darts_network.h"

namespace nas {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMaxGradNorm = 5.0;

double Accuracy(DartsNetwork& net, const ImageDataset& data, torch::Device device) {
  torch::NoGradGuard no_grad;
  net->eval();
  int64_t correct = 0;
  const int64_t n = data.size();
  for (int64_t start = 0; start < n; start += 512) {
    const int64_t end = std::min(n, start + 512);
    auto x = data.images.slice(0, start, end).to(device);
    auto y = data.labels.slice(0, start, end).to(device);
    correct += net->forward(x).argmax(1).eq(y).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

absl::StatusOr<TrainOutcome> Train(const DartsGenome& genome, const TrainValidationSplit& data,
                                   const TrainOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  torch::manual_seed(o.seed);
  DartsNetworkOptions net_options;
  net_options.in_channels = data.train.images.size(1);
  net_options.num_classes = data.train.num_classes;
  net_options.init_channels = o.init_channels;
  net_options.cells = o.cells;
  DartsNetwork net(genome, net_options);
  net->to(o.device);

  torch::optim::SGD optimizer(
      net->parameters(),
      torch::optim::SGDOptions(o.learning_rate).momentum(o.momentum).weight_decay(o.weight_decay));
  const int64_t n = data.train.size();
  const int64_t steps_per_epoch = (n + o.batch_size - 1) / o.batch_size;
  const int64_t total_steps = steps_per_epoch * o.epochs;
  torch::Generator shuffle = torch::make_generator<torch::CPUGeneratorImpl>(o.seed);

  TrainOutcome outcome;
  int64_t step = 0;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    net->train();
    const auto order = torch::randperm(n, shuffle, torch::kInt64);
    double loss_sum = 0;
    for (int64_t b = 0; b < steps_per_epoch; ++b, ++step) {
      const double lr = 0.5 * o.learning_rate *
                        (1 + std::cos(kPi * static_cast<double>(step) / total_steps));
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
      }
      const auto idx = order.slice(0, b * o.batch_size, std::min(n, (b + 1) * o.batch_size));
      auto x = data.train.images.index_select(0, idx).to(o.device);
      auto y = data.train.labels.index_select(0, idx).to(o.device);
      auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "non-finite loss (", loss_value, ") at step ", step, " of ", total_steps,
            "; the learning rate may be too high"));
      }
      optimizer.zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(net->parameters(), kMaxGradNorm);
      optimizer.step();
      loss_sum += loss_value;
      if (o.on_progress && !o.on_progress(static_cast<double>(step + 1) / total_steps)) {
        return absl::CancelledError(absl::StrCat("training stopped at step ", step + 1));
      }
    }
    outcome.final_train_loss = loss_sum / steps_per_epoch;
  }
  outcome.validation_accuracy = Accuracy(net, data.validation, o.device);
  outcome.parameter_count = CountParameters(*net);
  outcome.train_examples = n;
  outcome.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace

absl::StatusOr<TrainOutcome> TrainAndEvaluate(const DartsGenome& genome,
                                              const TrainValidationSplit& data,
                                              const TrainOptions& options) {
  if (data.train.size() == 0 || data.validation.size() == 0) {
    return absl::InvalidArgumentError("training and validation splits must be non-empty");
  }
  try {
    return Train(genome, data, options);
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    if (absl::StrContains(what, "out of memory")) {
      return absl::ResourceExhaustedError(absl::StrCat("out of memory: ", what));
    }
    return absl::InternalError(absl::StrCat("LibTorch: ", what));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("training: ", e.what()));
  }
}

}  // namespace nas
