#include "worker/tfnas/search.h"

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/tfnas/latency_target.h"
#include "worker/tfnas/supernet.h"
#include "worker/training/default_generator.h"
#include "worker/training/evaluation.h"
#include "worker/training/learning_rate_schedule.h"
#include "worker/training/search_state.h"
#include "worker/training/sgd_steps.h"
#include "worker/training/training_loop.h"

namespace nas {
namespace {

constexpr char kResumeField[] = "tfnas_search.resume_state";

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
  RETURN_IF_ERROR(ValidateAugmentation(o.augmentation));
  return ValidateLatencyMeasureOptions(o.measure);
}

// The search proper; options and data are valid, exceptions are caught by
// the caller.
class Search {
 public:
  // The supernet's initial weights follow the seed whatever other slots
  // build meanwhile, and draws_ continues the seed's stream from there.
  Search(const TrainValidationSplit& data, const TfNasSearchOptions& o, const TfNasSpace& space,
         const SpaceLatencies& latencies)
      : Search(data, o, latencies, RunSeeded(o.seed, [&] {
                 TfNasSupernet net(space);
                 return std::make_pair(net, ForkDefaultCpuGenerator());
               })) {}

  absl::StatusOr<TfNasOutcome> Run();

 private:
  Search(const TrainValidationSplit& data, const TfNasSearchOptions& o,
         const SpaceLatencies& latencies, std::pair<TfNasSupernet, torch::Generator> built)
      : data_(data), o_(o), latencies_(latencies), net_(built.first), draws_(built.second) {}

  TrainingLoopOptions LoopOptions();
  // Bi-sampling: one Gumbel path, one random other path, losses summed.
  StepLoss WeightLoss(const Batch& batch);
  // After each weight step: its statistics, then (after warm-up, every
  // arch_step_every steps) an architecture step, then progress.
  absl::Status AfterWeightStep(const StepContext& at, const Batch& batch, double loss,
                               const torch::Tensor& logits);
  absl::Status ArchStep(const Batch& batch, int64_t step);
  absl::Status EndEpoch(int epoch);
  // Loads o_.resume_state into the network, the optimiser, the draws and
  // the temperature; sets where the loop starts.
  absl::Status Resume(TrainingLoopOptions& loop);
  absl::StatusOr<StrictDerivation> Derive() {
    const ArchDistribution dist = net_->Distribution();
    return MeetLatencyTarget(latencies_, dist, DeriveArgmax(net_->space(), dist, net_->Widths()),
                             o_.target_ms);
  }
  bool Searching(int epoch) const { return epoch >= o_.warmup_epochs; }  // 0-based epoch.

  const TrainValidationSplit& data_;
  const TfNasSearchOptions& o_;
  const SpaceLatencies& latencies_;
  TfNasSupernet net_;
  // Every draw of the search after building (epoch orders, Gumbel and
  // random paths): its own, so that other slots' draws cannot change them.
  torch::Generator draws_;
  std::unique_ptr<torch::optim::Adam> adam_;
  torch::Tensor arch_order_;  // Of the current epoch.
  ExampleTotals train_;       // Of the current epoch.
  double temperature_ = 0;
  TfNasOutcome outcome_;
  std::optional<SearchState> resume_;
  // The loop's weight optimiser, from its save_state hook, for EndEpoch's
  // resume state.
  const torch::optim::SGD* sgd_ = nullptr;
};

absl::Status Search::ArchStep(const Batch& batch, int64_t step) {
  adam_->zero_grad();
  const torch::Tensor logits = net_->ForwardMixture(batch.images, temperature_, draws_);
  const torch::Tensor expected = net_->ExpectedLatency(latencies_);
  const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels) +
                             o_.latency_weight * (expected / o_.target_ms - 1).abs();
  RETURN_IF_ERROR(FiniteLoss(loss, step, step + 1).status());
  loss.backward();
  torch::nn::utils::clip_grad_norm_(net_->arch_parameters(), o_.grad_clip);
  adam_->step();
  net_->NormalizeLogAlphas();
  return absl::OkStatus();
}

StepLoss Search::WeightLoss(const Batch& batch) {
  const BiSample paths = net_->SampleBiPaths(temperature_, draws_);
  const torch::Tensor logits = net_->ForwardPath(batch.images, paths.gumbel);
  const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels) +
                             torch::nn::functional::cross_entropy(
                                 net_->ForwardPath(batch.images, paths.random), batch.labels);
  return {loss, logits};
}

absl::Status Search::AfterWeightStep(const StepContext& at, const Batch& batch, double loss,
                                     const torch::Tensor& logits) {
  train_.Add(logits, batch.labels, loss / 2);
  const int64_t i = at.step_in_epoch;
  if (Searching(at.epoch) && i % o_.arch_step_every == 0) {
    const int64_t a = (i / o_.arch_step_every * o_.batch_size) % arch_order_.size(0);
    const torch::Tensor index = arch_order_.slice(0, a, a + o_.batch_size);
    RETURN_IF_ERROR(
        ArchStep(TakeBatch(data_.train.images, data_.train.labels, index, o_.device), at.step));
  }
  const double epoch_done = static_cast<double>(i + 1) / at.steps_per_epoch;
  if (o_.on_step && !o_.on_step((at.epoch + epoch_done) / o_.epochs)) {
    return absl::CancelledError(absl::StrCat("tfnas search cancelled in epoch ", at.epoch + 1));
  }
  return absl::OkStatus();
}

absl::Status Search::EndEpoch(int epoch) {
  const bool searching = Searching(epoch);
  if (searching) {
    // Elastic width scaling of the current argmax architecture.
    const ArchDistribution dist = net_->Distribution();
    const TfNasGenome plain = DeriveArgmax(net_->space(), dist, net_->Widths());
    net_->ApplyWidths(FitWidths(latencies_, plain, o_.target_ms, MaxWidths(latencies_, plain)));
  }
  // Batch statistics (train mode), as the paper's code validates: the running
  // statistics of ops that are sampled now and then are not reliable.
  const PathChoice path = net_->ArgmaxPath();
  const ExampleTotals valid = MeasureExampleTotals(
      [this, &path](const torch::Tensor& x) { return net_->ForwardPath(x, path); },
      data_.validation, o_.device);
  ASSIGN_OR_RETURN(StrictDerivation derived, Derive());
  outcome_.train_loss = train_.mean_loss();
  outcome_.train_accuracy = train_.accuracy();
  outcome_.valid_loss = valid.mean_loss();
  outcome_.valid_accuracy = valid.accuracy();
  if (o_.on_epoch) {
    TfNasProgress p;
    p.epoch = epoch + 1;
    p.train_loss = outcome_.train_loss;
    p.train_accuracy = outcome_.train_accuracy;
    p.valid_loss = outcome_.valid_loss;
    p.valid_accuracy = outcome_.valid_accuracy;
    p.genome = TfNasGenomeToText(derived.genome);
    p.predicted_ms = derived.predicted_ms;
    p.expected_ms = net_->ExpectedLatency(latencies_).item<double>();
    p.temperature = temperature_;
    p.distribution = net_->Distribution();
    if (o_.save_resume_state && sgd_ != nullptr && epoch + 1 < o_.epochs) {
      // The widths are fitted; the temperature is the next epoch's.
      const double next = searching ? temperature_ * o_.temperature_decay : temperature_;
      p.resume_state =
          SaveSearchState(epoch + 1, *net_, *sgd_, *adam_, draws_, {{"temperature", next}});
    }
    if (!o_.on_epoch(p)) {
      return absl::CancelledError(absl::StrCat("tfnas search cancelled after epoch ", epoch + 1));
    }
  }
  if (searching) temperature_ *= o_.temperature_decay;
  return absl::OkStatus();
}

TrainingLoopOptions Search::LoopOptions() {
  const ImageDataset& all = data_.train;
  const int64_t half = all.size() / 2;
  TrainingLoopOptions loop;
  loop.epochs = o_.epochs;
  loop.batch_size = o_.batch_size;
  loop.examples_per_epoch = half;
  loop.parameters = net_->weight_parameters();
  loop.schedule = std::make_shared<CosineSchedule>(o_.weight_learning_rate, 0.0,
                                                   CosineSchedule::Granularity::kPerEpoch);
  loop.momentum = o_.weight_momentum;
  loop.weight_decay = o_.weight_decay;
  loop.max_grad_norm = o_.grad_clip;
  loop.device = o_.device;
  loop.augment = AugmentTrainingBatches(o_.augmentation, o_.seed);
  loop.epoch_order = [this, half, &all](int) {
    torch::Tensor weight_order = torch::randperm(half, draws_);
    arch_order_ = torch::randperm(all.size() - half, draws_) + half;
    train_ = ExampleTotals{};
    return weight_order;
  };
  loop.step_loss = [this](const StepContext&, const Batch& batch) { return WeightLoss(batch); };
  loop.after_step = [this](const StepContext& at, const Batch& batch, double loss,
                           const torch::Tensor& logits) {
    return AfterWeightStep(at, batch, loss, logits);
  };
  loop.at_epoch_end = [this](int epoch, double) { return EndEpoch(epoch); };
  if (o_.save_resume_state) {
    loop.save_state = [this](int, const torch::optim::SGD& sgd) {
      sgd_ = &sgd;
      return absl::OkStatus();
    };
  }
  return loop;
}

absl::Status Search::Resume(TrainingLoopOptions& loop) {
  ASSIGN_OR_RETURN(resume_, SearchState::Parse(o_.resume_state, o_.device, kResumeField));
  if (resume_->epochs_done() >= o_.epochs) {
    return absl::InvalidArgumentError(absl::StrCat(kResumeField, ": holds ", resume_->epochs_done(),
                                                   " epochs of a search of ", o_.epochs));
  }
  RETURN_IF_ERROR(resume_->Restore(*net_, *adam_, draws_));
  net_->WidthsFromMasks();
  ASSIGN_OR_RETURN(temperature_, resume_->Scalar("temperature"));
  loop.first_epoch = resume_->epochs_done();
  loop.load_optimizer = [this](torch::optim::SGD& sgd) {
    return resume_->RestoreWeightOptimizer(sgd);
  };
  return absl::OkStatus();
}

absl::StatusOr<TfNasOutcome> Search::Run() {
  const auto start_time = std::chrono::steady_clock::now();
  net_->to(o_.device);
  adam_ = std::make_unique<torch::optim::Adam>(net_->arch_parameters(),
                                               torch::optim::AdamOptions(o_.arch_learning_rate)
                                                   .betas({0.5, 0.999})
                                                   .weight_decay(o_.arch_weight_decay));
  temperature_ = o_.initial_temperature;
  const TrainableNetwork trainable{net_.ptr(), nullptr};  // The steps' loss is WeightLoss.
  TrainingLoopOptions loop = LoopOptions();
  if (!o_.resume_state.empty()) RETURN_IF_ERROR(Resume(loop));
  RETURN_IF_ERROR(
      RunTrainingLoop(trainable, data_.train.images, data_.train.labels, loop).status());
  TfNasOutcome outcome = std::move(outcome_);
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
    Search search(data, options, space, latencies);
    result = search.Run();
    return result.status();
  }));
  return result;
}

}  // namespace nas
