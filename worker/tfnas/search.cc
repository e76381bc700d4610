#include "worker/tfnas/search.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/tfnas/latency_target.h"
#include "worker/tfnas/supernet.h"
#include "worker/training/sgd_steps.h"

namespace nas {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int64_t kEvalBatch = 512;

absl::Status InvalidOption(absl::string_view field, double value, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("tfnas_search.", field, ": ", value, " must be ", rule));
}

absl::Status ValidateOptions(const TfNasSearchOptions& o) {
  auto positive = [](double v) { return v > 0 && std::isfinite(v); };
  auto non_negative = [](double v) { return v >= 0 && std::isfinite(v); };
  if (!positive(o.target_ms)) return InvalidOption("target_ms", o.target_ms, "finite and > 0");
  if (!non_negative(o.latency_weight)) {
    return InvalidOption("latency_weight", o.latency_weight, "finite and >= 0");
  }
  if (o.epochs < 1) return InvalidOption("epochs", o.epochs, ">= 1");
  if (o.warmup_epochs < 0 || o.warmup_epochs >= o.epochs) {
    return InvalidOption("warmup_epochs", o.warmup_epochs, "in [0, epochs)");
  }
  if (o.batch_size < 1) return InvalidOption("batch_size", o.batch_size, ">= 1");
  if (!positive(o.weight_learning_rate)) {
    return InvalidOption("weight_learning_rate", o.weight_learning_rate, "finite and > 0");
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
  if (o.arch_step_every < 1) return InvalidOption("arch_step_every", o.arch_step_every, ">= 1");
  if (!positive(o.initial_temperature)) {
    return InvalidOption("initial_temperature", o.initial_temperature, "finite and > 0");
  }
  if (!(o.temperature_decay > 0 && o.temperature_decay <= 1)) {
    return InvalidOption("temperature_decay", o.temperature_decay, "in (0, 1]");
  }
  return ValidateLatencyMeasureOptions(o.measure);
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

struct Batch {
  torch::Tensor images, labels;
};

Batch Take(const ImageDataset& d, const torch::Tensor& index, const torch::Device& device) {
  return {d.images.index_select(0, index).to(device), d.labels.index_select(0, index).to(device)};
}

// Batch statistics (train mode), as the paper's code validates: the running
// statistics of ops that are sampled now and then are not reliable.
Totals Evaluate(TfNasSupernet& net, const ImageDataset& d, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  const PathChoice path = net->ArgmaxPath();
  Totals t;
  for (int64_t start = 0; start < d.size(); start += kEvalBatch) {
    const torch::Tensor x = d.images.slice(0, start, start + kEvalBatch).to(device);
    const torch::Tensor y = d.labels.slice(0, start, start + kEvalBatch).to(device);
    const torch::Tensor logits = net->ForwardPath(x, path);
    t.Add(logits, y, torch::nn::functional::cross_entropy(logits, y).item<double>());
  }
  return t;
}

// The search proper; options and data are valid, exceptions are caught by
// the caller.
class Search {
 public:
  Search(const TrainValidationSplit& data, const TfNasSearchOptions& o, const TfNasSpace& space,
         const SpaceLatencies& latencies)
      : data_(data), o_(o), latencies_(latencies), net_(space) {}

  absl::StatusOr<TfNasOutcome> Run();

 private:
  absl::StatusOr<Totals> TrainEpoch(int epoch, double temperature, bool arch_steps);
  absl::Status ArchStep(const Batch& batch, double temperature);
  absl::StatusOr<StrictDerivation> Derive() {
    const ArchDistribution dist = net_->Distribution();
    return MeetLatencyTarget(latencies_, dist, DeriveArgmax(net_->space(), dist, net_->Widths()),
                             o_.target_ms);
  }

  const TrainValidationSplit& data_;
  const TfNasSearchOptions& o_;
  const SpaceLatencies& latencies_;
  TfNasSupernet net_;
  std::unique_ptr<torch::optim::SGD> sgd_;
  std::unique_ptr<torch::optim::Adam> adam_;
  int64_t step_ = 0;
};

absl::Status Search::ArchStep(const Batch& batch, double temperature) {
  adam_->zero_grad();
  const torch::Tensor logits = net_->ForwardMixture(batch.images, temperature);
  const torch::Tensor expected = net_->ExpectedLatency(latencies_);
  const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels) +
                             o_.latency_weight * (expected / o_.target_ms - 1).abs();
  ASSIGN_OR_RETURN(const double value, FiniteLoss(loss, step_, step_ + 1));
  (void)value;
  loss.backward();
  torch::nn::utils::clip_grad_norm_(net_->arch_parameters(), o_.grad_clip);
  adam_->step();
  net_->NormalizeLogAlphas();
  return absl::OkStatus();
}

absl::StatusOr<Totals> Search::TrainEpoch(int epoch, double temperature, bool arch_steps) {
  const ImageDataset& all = data_.train;
  const int64_t half = all.size() / 2;
  const torch::Tensor weight_order = torch::randperm(half);
  const torch::Tensor arch_order = torch::randperm(all.size() - half) + half;
  const int64_t steps = (half + o_.batch_size - 1) / o_.batch_size;
  Totals train;
  for (int64_t i = 0; i < steps; ++i, ++step_) {
    const int64_t s = i * o_.batch_size;
    const Batch batch = Take(all, weight_order.slice(0, s, s + o_.batch_size), o_.device);
    // Bi-sampling: one Gumbel path, one random other path, losses summed.
    const BiSample paths = net_->SampleBiPaths(temperature);
    sgd_->zero_grad();
    const torch::Tensor logits = net_->ForwardPath(batch.images, paths.gumbel);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels) +
                               torch::nn::functional::cross_entropy(
                                   net_->ForwardPath(batch.images, paths.random), batch.labels);
    ASSIGN_OR_RETURN(const double value, FiniteLoss(loss, i, steps));
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net_->weight_parameters(), o_.grad_clip);
    sgd_->step();
    train.Add(logits.detach(), batch.labels, value / 2);
    if (arch_steps && i % o_.arch_step_every == 0) {
      const int64_t a = (i / o_.arch_step_every * o_.batch_size) % arch_order.size(0);
      RETURN_IF_ERROR(
          ArchStep(Take(all, arch_order.slice(0, a, a + o_.batch_size), o_.device), temperature));
    }
    const double epoch_done = static_cast<double>(i + 1) / steps;
    if (o_.on_step && !o_.on_step((epoch - 1 + epoch_done) / o_.epochs)) {
      return absl::CancelledError(absl::StrCat("tfnas search cancelled in epoch ", epoch));
    }
  }
  return train;
}

absl::StatusOr<TfNasOutcome> Search::Run() {
  const auto start_time = std::chrono::steady_clock::now();
  net_->to(o_.device);
  sgd_ = std::make_unique<torch::optim::SGD>(net_->weight_parameters(),
                                             torch::optim::SGDOptions(o_.weight_learning_rate)
                                                 .momentum(o_.weight_momentum)
                                                 .weight_decay(o_.weight_decay));
  adam_ = std::make_unique<torch::optim::Adam>(net_->arch_parameters(),
                                               torch::optim::AdamOptions(o_.arch_learning_rate)
                                                   .betas({0.5, 0.999})
                                                   .weight_decay(o_.arch_weight_decay));
  TfNasOutcome outcome;
  double temperature = o_.initial_temperature;
  for (int epoch = 1; epoch <= o_.epochs; ++epoch) {
    SetSgdLearningRate(
        *sgd_, 0.5 * o_.weight_learning_rate * (1 + std::cos(kPi * (epoch - 1) / o_.epochs)));
    const bool searching = epoch > o_.warmup_epochs;
    ASSIGN_OR_RETURN(const Totals train, TrainEpoch(epoch, temperature, searching));
    if (searching) {
      // Elastic width scaling of the current argmax architecture.
      const ArchDistribution dist = net_->Distribution();
      const TfNasGenome plain = DeriveArgmax(net_->space(), dist, net_->Widths());
      net_->ApplyWidths(FitWidths(latencies_, plain, o_.target_ms, MaxWidths(latencies_, plain)));
    }
    const Totals valid = Evaluate(net_, data_.validation, o_.device);
    ASSIGN_OR_RETURN(StrictDerivation derived, Derive());
    outcome.train_loss = train.mean_loss();
    outcome.train_accuracy = train.accuracy();
    outcome.valid_loss = valid.mean_loss();
    outcome.valid_accuracy = valid.accuracy();
    if (o_.on_epoch) {
      TfNasProgress p;
      p.epoch = epoch;
      p.train_loss = outcome.train_loss;
      p.train_accuracy = outcome.train_accuracy;
      p.valid_loss = outcome.valid_loss;
      p.valid_accuracy = outcome.valid_accuracy;
      p.genome = TfNasGenomeToText(derived.genome);
      p.predicted_ms = derived.predicted_ms;
      p.expected_ms = net_->ExpectedLatency(latencies_).item<double>();
      p.temperature = temperature;
      if (!o_.on_epoch(p)) {
        return absl::CancelledError(absl::StrCat("tfnas search cancelled after epoch ", epoch));
      }
    }
    if (searching) temperature *= o_.temperature_decay;
  }
  ASSIGN_OR_RETURN(StrictDerivation derived, Derive());
  outcome.space = net_->space();
  outcome.genome = derived.genome;
  outcome.predicted_ms = derived.predicted_ms;
  outcome.plain_predicted_ms = derived.plain_ms;
  outcome.repairs = derived.repairs;
  ASSIGN_OR_RETURN(outcome.measured_ms,
                   MeasureNetworkLatency(outcome.space, outcome.genome, o_.device, o_.measure));
  std::vector<torch::Tensor> arch;
  for (const auto& t : net_->arch_parameters()) arch.push_back(t.detach().to(torch::kCPU).clone());
  std::ostringstream bytes;
  torch::save(arch, bytes);
  outcome.arch_bytes = bytes.str();
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return outcome;
}

}  // namespace

absl::StatusOr<TfNasOutcome> RunTfNasSearch(const TrainValidationSplit& data,
                                            const TfNasSearchOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  if (data.train.size() < 2 || data.validation.size() < 1 || !data.train.images.defined() ||
      data.train.images.dim() != 4 || data.train.images.size(2) != data.train.images.size(3)) {
    return absl::InvalidArgumentError(
        "tfnas search needs >= 2 square training images [N, C, H, H] and >= 1 validation "
        "example");
  }
  TfNasSpaceOptions so = options.space;
  so.image_size = static_cast<int>(data.train.images.size(2));
  so.image_channels = static_cast<int>(data.train.images.size(1));
  so.num_classes = data.train.num_classes;
  ASSIGN_OR_RETURN(const TfNasSpace space, MakeTfNasSpace(so));
  ASSIGN_OR_RETURN(const SpaceLatencies latencies,
                   SpaceLatencies::Create(space, options.latency_table));
  const TfNasGenome fastest = latencies.Fastest();
  const double minimum_ms = latencies.Predict(fastest);
  if (minimum_ms > options.target_ms) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tfnas_search.target_ms: ", options.target_ms, " ms is below the minimum achievable ",
        minimum_ms, " ms (", TfNasGenomeToText(fastest), ") of the space by the latency table"));
  }
  absl::StatusOr<TfNasOutcome> result;
  RETURN_IF_ERROR(CallGuarded("tfnas search", [&]() -> absl::Status {
    torch::manual_seed(options.seed);
    Search search(data, options, space, latencies);
    result = search.Run();
    return result.status();
  }));
  return result;
}

}  // namespace nas
