#include "worker/supernet/search.h"

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/supernet/derive.h"
#include "worker/training/default_generator.h"
#include "worker/training/evaluation.h"
#include "worker/training/learning_rate_schedule.h"
#include "worker/training/search_state.h"
#include "worker/training/training_loop.h"

namespace nas {
namespace {

constexpr char kResumeField[] = "supernet_search.resume_state";

absl::Status InvalidOption(absl::string_view field, double value, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("supernet_search.", field, ": ", value, " must be ", rule));
}

absl::Status ValidateOptions(const SupernetSearchOptions& o) {
  if (o.epochs < 1) return InvalidOption("epochs", o.epochs, ">= 1");
  if (o.arch_warmup_epochs < 0 || o.arch_warmup_epochs >= o.epochs) {
    return InvalidOption("arch_warmup_epochs", o.arch_warmup_epochs, "in 0..epochs-1");
  }
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
  return ValidateAugmentation(o.augmentation);
}

absl::StatusOr<DartsGenome> Derive(const Supernet& net) {
  return DeriveGenotype(net->alpha_normal, net->alpha_reduce, net->options.nodes, net->beta_normal,
                        net->beta_reduce);
}

// CPU copies of the architecture parameters (alphas, then PC-DARTS betas),
// detached from training.
std::vector<torch::Tensor> ArchitectureOnCpu(const Supernet& net) {
  std::vector<torch::Tensor> arch;
  for (const auto& t : net->arch_parameters()) arch.push_back(t.detach().to(torch::kCPU).clone());
  return arch;
}

// Resuming from `resume` (may be null) and taking resume states after each
// epoch as the options ask. The state taken after an epoch waits in
// `saved` for that epoch's report.
void AddResumeHooks(Supernet net, Architect& architect, torch::Generator orders,
                    const SearchState* resume, const SupernetSearchOptions& o,
                    const std::shared_ptr<std::string>& saved, TrainingLoopOptions& loop) {
  if (resume != nullptr) {
    loop.first_epoch = resume->epochs_done();
    loop.load_optimizer = [resume](torch::optim::SGD& sgd) {
      return resume->RestoreWeightOptimizer(sgd);
    };
  }
  if (!o.save_resume_state) return;
  loop.save_state = [net, &architect, orders, saved, &o](int epoch, const torch::optim::SGD& sgd) {
    // After the last epoch nothing is left to resume.
    *saved = epoch + 1 < o.epochs
                 ? SaveSearchState(epoch + 1, *net, sgd, architect.optimizer(), orders)
                 : "";
    return absl::OkStatus();
  };
}

// The weight steps of the search, with an architecture step before each and
// the epoch's measurement, derivation and report after each epoch; each
// epoch's orders are drawn from `orders`.
TrainingLoopOptions LoopOptions(Supernet net, Architect& architect, torch::Generator orders,
                                const SearchState* resume, const TrainValidationSplit& data,
                                const SupernetSearchOptions& o, SupernetOutcome& outcome) {
  // DARTS's split: the first half of the training data trains weights, the
  // second half architecture parameters.
  const ImageDataset& all = data.train;
  const int64_t half = all.size() / 2;
  auto arch_order = std::make_shared<torch::Tensor>();
  auto train = std::make_shared<ExampleTotals>();
  auto saved = std::make_shared<std::string>();
  TrainingLoopOptions loop;
  AddResumeHooks(net, architect, orders, resume, o, saved, loop);
  loop.epochs = o.epochs;
  loop.batch_size = o.batch_size;
  loop.examples_per_epoch = half;
  loop.parameters = net->weight_parameters();
  // Cosine annealing per epoch, as DARTS's scheduler.
  loop.schedule = std::make_shared<CosineSchedule>(
      o.weight_learning_rate, o.weight_learning_rate_min, CosineSchedule::Granularity::kPerEpoch);
  loop.momentum = o.weight_momentum;
  loop.weight_decay = o.weight_decay;
  loop.max_grad_norm = o.grad_clip;
  loop.device = o.device;
  // The weight batches' draws; the architecture batches' are a stream of their own.
  loop.augment = AugmentTrainingBatches(o.augmentation, o.seed, /*stream=*/0);
  loop.epoch_order = [half, arch_order, train, &all, orders](int) mutable {
    torch::Tensor weight_order = torch::randperm(half, orders);
    *arch_order = torch::randperm(all.size() - half, orders) + half;
    *train = ExampleTotals{};
    return weight_order;
  };
  loop.before_step = [&architect, arch_order, &all, &o,
                      augment = AugmentTrainingBatches(o.augmentation, o.seed, /*stream=*/1)](
                         const StepContext& at, const Batch& weight_batch) {
    if (at.epoch < o.arch_warmup_epochs) return absl::OkStatus();  // Warming up.
    architect.set_xi(at.learning_rate);
    const torch::Tensor index = arch_order->slice(0, at.batch_begin, at.batch_begin + o.batch_size);
    Batch arch_batch = TakeBatch(all.images, all.labels, index, o.device);
    if (augment) arch_batch.images = augment(at, arch_batch.images);
    return architect.Step(weight_batch, arch_batch);
  };
  loop.after_step = [train, &o](const StepContext& at, const Batch& batch, double loss,
                                const torch::Tensor& logits) {
    train->Add(logits, batch.labels, loss);
    const double epoch_done = static_cast<double>(at.batch_end) / at.epoch_examples;
    if (o.on_step && !o.on_step((at.epoch + epoch_done) / o.epochs)) {
      return absl::CancelledError(
          absl::StrCat("supernet search cancelled in epoch ", at.epoch + 1));
    }
    return absl::OkStatus();
  };
  loop.at_epoch_end = [net, train, saved, &data, &o, &outcome](int epoch, double) mutable {
    net->eval();
    const ExampleTotals valid =
        MeasureExampleTotals([net](const torch::Tensor& x) mutable { return net->forward(x); },
                             data.validation, o.device);
    net->train();
    ASSIGN_OR_RETURN(outcome.genome, Derive(net));
    outcome.train_loss = train->mean_loss();
    outcome.train_accuracy = train->accuracy();
    outcome.valid_loss = valid.mean_loss();
    outcome.valid_accuracy = valid.accuracy();
    if (o.on_epoch) {
      SupernetProgress p{
          epoch + 1,          outcome.train_loss,     outcome.train_accuracy,
          outcome.valid_loss, outcome.valid_accuracy, DartsGenomeToText(outcome.genome)};
      const std::vector<torch::Tensor> arch = ArchitectureOnCpu(net);
      p.alpha_normal = arch[0];
      p.alpha_reduce = arch[1];
      if (arch.size() == 4) {
        p.beta_normal = arch[2];
        p.beta_reduce = arch[3];
      }
      p.resume_state = std::move(*saved);
      saved->clear();
      if (!o.on_epoch(p)) {
        return absl::CancelledError(
            absl::StrCat("supernet search cancelled after epoch ", epoch + 1));
      }
    }
    return absl::OkStatus();
  };
  return loop;
}

absl::StatusOr<SupernetOutcome> Search(const TrainValidationSplit& data,
                                       const SupernetSearchOptions& o) {
  const auto start_time = std::chrono::steady_clock::now();
  SupernetOptions so = o.supernet;
  so.in_channels = data.train.images.size(1);
  so.num_classes = data.train.num_classes;
  // Weights and architecture parameters start from the job's seed; the epoch
  // orders continue its stream in a generator of the search's own, so that
  // other slots' draws cannot change them.
  const std::pair<Supernet, torch::Generator> built = RunSeeded(o.seed, [&] {
    Supernet fresh(so);
    return std::make_pair(fresh, ForkDefaultCpuGenerator());
  });
  Supernet net = built.first;
  net->to(o.device);
  ArchitectOptions ao;
  ao.order = o.order;
  ao.xi = o.weight_learning_rate;
  ao.weight_decay = o.weight_decay;
  ao.arch_learning_rate = o.arch_learning_rate;
  ao.arch_weight_decay = o.arch_weight_decay;
  Architect architect(net, ao);
  // Resuming: built as above (the same draws), then overwritten by the state.
  std::optional<SearchState> resume;
  torch::Generator orders = built.second;
  if (!o.resume_state.empty()) {
    ASSIGN_OR_RETURN(resume, SearchState::Parse(o.resume_state, o.device, kResumeField));
    if (resume->epochs_done() >= o.epochs) {
      return absl::InvalidArgumentError(absl::StrCat(
          kResumeField, ": holds ", resume->epochs_done(), " epochs of a search of ", o.epochs));
    }
    RETURN_IF_ERROR(resume->Restore(*net, architect.optimizer(), orders));
  }
  SupernetOutcome outcome;
  const TrainableNetwork trainable{
      net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); }};
  RETURN_IF_ERROR(RunTrainingLoop(trainable, data.train.images, data.train.labels,
                                  LoopOptions(net, architect, orders, resume ? &*resume : nullptr,
                                              data, o, outcome))
                      .status());
  const std::vector<torch::Tensor> arch = ArchitectureOnCpu(net);
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
