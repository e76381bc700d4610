#include "worker/supernet/search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "worker/errors/torch_errors.h"
#include "worker/supernet/derive.h"
#include "worker/training/sgd_steps.h"

namespace nas {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int64_t kEvalBatch = 512;

absl::Status InvalidOption(absl::string_view field, double value, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat("supernet_search.", field, ": ", value,
                                                 " must be ", rule));
}

absl::Status ValidateOptions(const SupernetSearchOptions& o) {
  if (o.epochs < 1) return InvalidOption("epochs", o.epochs, ">= 1");
  if (o.batch_size < 1) return InvalidOption("batch_size", o.batch_size, ">= 1");
  auto positive = [](double v) { return v > 0 && std::isfinite(v); };
  auto non_negative = [](double v) { return v >= 0 && std::isfinite(v); };
  if (!positive(o.weight_learning_rate)) {
    return InvalidOption("weight_learning_rate", o.weight_learning_rate, "finite and > 0");
  }
  if (!non_negative(o.weight_learning_rate_min) ||
      o.weight_learning_rate_min > o.weight_learning_rate) {
    return InvalidOption("weight_learning_rate_min", o.weight_learning_rate_min,
                         "in [0, weight_learning_rate]");
  }
  if (!(o.weight_momentum >= 0 && o.weight_momentum < 1)) {
    return InvalidOption("weight_momentum", o.weight_momentum, "in [0, 1)");
  }
  if (!non_negative(o.weight_decay)) return InvalidOption("weight_decay", o.weight_decay, ">= 0");
  if (!positive(o.grad_clip)) return InvalidOption("grad_clip", o.grad_clip, "> 0");
  if (!positive(o.arch_learning_rate)) {
    return InvalidOption("arch_learning_rate", o.arch_learning_rate, "finite and > 0");
  }
  if (!non_negative(o.arch_weight_decay)) {
    return InvalidOption("arch_weight_decay", o.arch_weight_decay, ">= 0");
  }
  return absl::OkStatus();
}

struct Totals {
  double loss = 0;
  int64_t correct = 0, examples = 0;
  void Add(const torch::Tensor& logits, const torch::Tensor& labels, double batch_loss) {
    loss += batch_loss * labels.size(0);
    correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
    examples += labels.size(0);
  }
  double mean_loss() const { return examples ? loss / examples : 0; }
  double accuracy() const { return examples ? static_cast<double>(correct) / examples : 0; }
};

Batch Take(const ImageDataset& d, const torch::Tensor& index, const torch::Device& device) {
  return {d.images.index_select(0, index).to(device), d.labels.index_select(0, index).to(device)};
}

Totals Evaluate(Supernet& net, const ImageDataset& d, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  net->eval();
  Totals t;
  for (int64_t start = 0; start < d.size(); start += kEvalBatch) {
    const torch::Tensor x = d.images.slice(0, start, start + kEvalBatch).to(device);
    const torch::Tensor y = d.labels.slice(0, start, start + kEvalBatch).to(device);
    const torch::Tensor logits = net->forward(x);
    t.Add(logits, y, torch::nn::functional::cross_entropy(logits, y).item<double>());
  }
  net->train();
  return t;
}

absl::StatusOr<DartsGenome> Derive(const Supernet& net) {
  return DeriveGenotype(net->alpha_normal, net->alpha_reduce, net->options.nodes,
                        net->beta_normal, net->beta_reduce);
}

absl::StatusOr<SupernetOutcome> Search(const TrainValidationSplit& data,
                                       const SupernetSearchOptions& o) {
  const auto start_time = std::chrono::steady_clock::now();
  torch::manual_seed(o.seed);
  SupernetOptions so = o.supernet;
  so.in_channels = data.train.images.size(1);
  so.num_classes = data.train.num_classes;
  Supernet net(so);
  net->to(o.device);

  // DARTS's split: the first half of the training data trains weights, the
  // second half architecture parameters.
  const int64_t half = data.train.size() / 2;
  const ImageDataset& all = data.train;
  ArchitectOptions ao;
  ao.order = o.order;
  ao.xi = o.weight_learning_rate;
  ao.weight_decay = o.weight_decay;
  ao.arch_learning_rate = o.arch_learning_rate;
  ao.arch_weight_decay = o.arch_weight_decay;
  Architect architect(net, ao);
  torch::optim::SGD sgd(net->weight_parameters(), torch::optim::SGDOptions(o.weight_learning_rate)
                                                      .momentum(o.weight_momentum)
                                                      .weight_decay(o.weight_decay));
  SupernetOutcome outcome;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    // Cosine annealing per epoch, as DARTS's scheduler.
    const double lr = o.weight_learning_rate_min +
                      0.5 * (o.weight_learning_rate - o.weight_learning_rate_min) *
                          (1 + std::cos(kPi * (epoch - 1) / o.epochs));
    SetSgdLearningRate(sgd, lr);
    architect.set_xi(lr);
    const torch::Tensor weight_order = torch::randperm(half);
    const torch::Tensor arch_order = torch::randperm(all.size() - half) + half;
    Totals train;
    for (int64_t s = 0; s < half; s += o.batch_size) {
      const Batch weight_batch = Take(all, weight_order.slice(0, s, s + o.batch_size), o.device);
      const Batch arch_batch = Take(all, arch_order.slice(0, s, s + o.batch_size), o.device);
      absl::Status step = architect.Step(weight_batch, arch_batch);
      if (!step.ok()) return step;
      sgd.zero_grad();
      const torch::Tensor logits = net->forward(weight_batch.images);
      const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, weight_batch.labels);
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        return absl::InvalidArgumentError(absl::StrCat("non-finite loss in epoch ", epoch));
      }
      loss.backward();
      torch::nn::utils::clip_grad_norm_(net->weight_parameters(), o.grad_clip);
      sgd.step();
      train.Add(logits.detach(), weight_batch.labels, loss_value);
      const double epoch_done = static_cast<double>(std::min(s + o.batch_size, half)) / half;
      if (o.on_step && !o.on_step((epoch - 1 + epoch_done) / o.epochs)) {
        return absl::CancelledError(absl::StrCat("supernet search cancelled in epoch ", epoch));
      }
    }
    const Totals valid = Evaluate(net, data.validation, o.device);
    absl::StatusOr<DartsGenome> genome = Derive(net);
    if (!genome.ok()) return genome.status();
    outcome.train_loss = train.mean_loss();
    outcome.train_accuracy = train.accuracy();
    outcome.valid_loss = valid.mean_loss();
    outcome.valid_accuracy = valid.accuracy();
    outcome.genome = *genome;
    if (o.on_epoch) {
      SupernetProgress p{epoch,          outcome.train_loss, outcome.train_accuracy,
                         outcome.valid_loss, outcome.valid_accuracy, DartsGenomeToText(*genome)};
      if (!o.on_epoch(p)) {
        return absl::CancelledError(absl::StrCat("supernet search cancelled after epoch ", epoch));
      }
    }
  }
  std::vector<torch::Tensor> arch;
  for (const auto& t : net->arch_parameters()) arch.push_back(t.detach().to(torch::kCPU).clone());
  outcome.alpha_normal = arch[0];
  outcome.alpha_reduce = arch[1];
  if (arch.size() == 4) {
    outcome.beta_normal = arch[2];
    outcome.beta_reduce = arch[3];
  }
  std::ostringstream bytes;
  torch::save(arch, bytes);
  outcome.arch_bytes = bytes.str();
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return outcome;
}

}  // namespace

absl::StatusOr<SupernetOutcome> RunSupernetSearch(const TrainValidationSplit& data,
                                                  const SupernetSearchOptions& options) {
  absl::Status valid = ValidateOptions(options);
  if (!valid.ok()) return valid;
  SupernetOptions so = options.supernet;
  so.in_channels = data.train.images.defined() ? data.train.images.size(1) : 0;
  so.num_classes = data.train.num_classes;
  valid = ValidateSupernetOptions(so);
  if (!valid.ok()) return valid;
  if (data.train.size() < 2 || data.validation.size() < 1) {
    return absl::InvalidArgumentError(
        "supernet search needs >= 2 training and >= 1 validation examples");
  }
  absl::StatusOr<SupernetOutcome> result;
  const absl::Status status = CallGuarded("supernet search", [&]() -> absl::Status {
    result = Search(data, options);
    return result.status();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace nas
