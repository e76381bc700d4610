#include "worker/training/training_loop.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status_macros.h"
#include "worker/training/sgd_steps.h"

namespace nas {

int64_t StepsPerEpoch(int64_t examples, int64_t batch_size, bool skip_single_example_batch) {
  const int64_t steps = (examples + batch_size - 1) / batch_size;
  return skip_single_example_batch && batch_size > 1 && examples > 1 && examples % batch_size == 1
             ? steps - 1
             : steps;
}

namespace {

// Hands out an epoch's batches one step at a time, on the training device.
using NextBatch = std::function<absl::StatusOr<Batch>(const StepContext&)>;
// Starts an epoch: its batches in `order` (rows of the epoch's examples).
using StartEpoch = std::function<NextBatch(const StepContext&, const torch::Tensor& order)>;

// The loop both kinds of examples share. `examples` rows per epoch unless
// options.examples_per_epoch says fewer; epoch orders are drawn on
// `order_device`. `augment_batches`: apply options.augment to each batch
// here (not done by the batches' producer already).
absl::StatusOr<double> RunEpochs(const TrainableNetwork& net, int64_t examples,
                                 const torch::Device& order_device, const StartEpoch& start_epoch,
                                 bool augment_batches, const TrainingLoopOptions& o) {
  const std::vector<torch::Tensor> parameters =
      o.parameters.empty() ? net.module->parameters() : o.parameters;
  // The rate is set before every step; 0 here because SGD's constructor
  // rejects a NaN rate, which must reach the loss check.
  torch::optim::SGD sgd(
      parameters, torch::optim::SGDOptions(0.0).momentum(o.momentum).weight_decay(o.weight_decay));
  torch::Generator shuffle = torch::make_generator<torch::CPUGeneratorImpl>(o.shuffle_seed);
  if (o.gpu.channels_last) ToChannelsLast(*net.module);
  const bool scale_loss = o.gpu.precision == GpuTraining::Precision::kFloat16;
  LossScaler scaler(o.initial_loss_scale);
  StepContext at;
  at.epoch_examples = o.examples_per_epoch > 0 ? o.examples_per_epoch : examples;
  at.steps_per_epoch = StepsPerEpoch(at.epoch_examples, o.batch_size, o.skip_single_example_batch);
  at.total_steps = at.steps_per_epoch * o.epochs;
  if (o.load_optimizer) RETURN_IF_ERROR(o.load_optimizer(sgd));
  // Resuming: the earlier epochs' orders are drawn and dropped, so that the
  // default shuffle continues where it was.
  at.step = at.steps_per_epoch * o.first_epoch;
  for (int skipped = 0; !o.epoch_order && skipped < o.first_epoch; ++skipped) {
    torch::randperm(at.epoch_examples, shuffle, torch::kInt64);
  }
  double epoch_loss = 0;
  for (at.epoch = o.first_epoch; at.epoch < o.epochs; ++at.epoch) {
    const torch::Tensor order =
        o.epoch_order ? o.epoch_order(at.epoch)
                      : torch::randperm(at.epoch_examples, shuffle, torch::kInt64).to(order_device);
    const NextBatch next_batch = start_epoch(at, order);
    net.module->train();
    double loss_sum = 0;
    for (at.step_in_epoch = 0; at.step_in_epoch < at.steps_per_epoch; ++at.step_in_epoch) {
      at.batch_begin = at.step_in_epoch * o.batch_size;
      at.batch_end = std::min(at.epoch_examples, at.batch_begin + o.batch_size);
      at.learning_rate = o.schedule->Rate({at.step, at.steps_per_epoch, o.epochs});
      SetSgdLearningRate(sgd, at.learning_rate);
      ASSIGN_OR_RETURN(Batch batch, next_batch(at));
      if (augment_batches && o.augment) batch.images = o.augment(at, batch.images);
      if (o.gpu.channels_last) {
        batch.images = batch.images.contiguous(torch::MemoryFormat::ChannelsLast);
      }
      if (o.before_step) RETURN_IF_ERROR(o.before_step(at, batch));
      StepLoss step;
      {
        AutocastScope autocast(o.gpu.precision);
        if (o.step_loss) {
          step = o.step_loss(at, batch);
        } else {
          step.logits = net.forward(batch.images);
          step.loss = torch::nn::functional::cross_entropy(step.logits, batch.labels);
        }
      }
      ASSIGN_OR_RETURN(const double loss, FiniteLoss(step.loss, at.step, at.total_steps));
      sgd.zero_grad();
      if (scale_loss) {
        scaler.Scale(step.loss).backward();
        // An overflow skips the step; the smaller scale retries on the next batch.
        if (scaler.UnscaleAndUpdate(parameters)) {
          torch::nn::utils::clip_grad_norm_(parameters, o.max_grad_norm);
          sgd.step();
        }
      } else {
        step.loss.backward();
        torch::nn::utils::clip_grad_norm_(parameters, o.max_grad_norm);
        sgd.step();
      }
      loss_sum += loss;
      if (o.after_step) RETURN_IF_ERROR(o.after_step(at, batch, loss, step.logits.detach()));
      ++at.step;
    }
    epoch_loss = loss_sum / static_cast<double>(at.steps_per_epoch);
    if (o.save_state) RETURN_IF_ERROR(o.save_state(at.epoch, sgd));
    if (o.at_epoch_end) RETURN_IF_ERROR(o.at_epoch_end(at.epoch, epoch_loss));
  }
  return epoch_loss;
}

}  // namespace

absl::StatusOr<double> RunTrainingLoop(const TrainableNetwork& net, const torch::Tensor& images,
                                       const torch::Tensor& labels, const TrainingLoopOptions& o) {
  auto start_epoch = [&](const StepContext&, const torch::Tensor& order) -> NextBatch {
    return [&, order](const StepContext& at) -> absl::StatusOr<Batch> {
      return TakeBatch(images, labels, order.slice(0, at.batch_begin, at.batch_end), o.device);
    };
  };
  return RunEpochs(net, images.size(0), images.device(), start_epoch, /*augment_batches=*/true, o);
}

absl::StatusOr<double> RunTrainingLoop(const TrainableNetwork& net,
                                       const StreamedExamples& examples,
                                       const TrainingLoopOptions& o) {
  const ChannelNormalisation normalise(examples.channel_mean, examples.channel_std);
  // The loader of the epoch running; replaced (its threads joined) at the
  // start of the next.
  std::unique_ptr<PrefetchLoader> loader;
  auto start_epoch = [&](const StepContext& epoch_start, const torch::Tensor& order) -> NextBatch {
    const torch::Tensor cpu_order = order.to(torch::kCPU).contiguous();
    std::vector<int64_t> rows(cpu_order.numel());
    const int64_t* index = cpu_order.data_ptr<int64_t>();
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = examples.rows.at(index[i]);
    // Only as many rows as the epoch takes steps over.
    rows.resize(std::min<int64_t>(rows.size(), epoch_start.steps_per_epoch * o.batch_size));
    BatchTransform transform = [&o, &normalise, epoch_start](int64_t batch_index,
                                                             torch::Tensor images) {
      normalise.Apply(images);
      if (!o.augment) return images;
      StepContext at = epoch_start;
      at.step_in_epoch = batch_index;
      at.step = epoch_start.step + batch_index;
      at.batch_begin = batch_index * o.batch_size;
      at.batch_end = std::min(at.epoch_examples, at.batch_begin + o.batch_size);
      at.learning_rate = 0;
      return o.augment(at, images);
    };
    loader.reset();
    loader = std::make_unique<PrefetchLoader>(examples.source, std::move(rows), o.batch_size,
                                              std::move(transform), examples.prefetch);
    return [&](const StepContext&) -> absl::StatusOr<Batch> {
      ASSIGN_OR_RETURN(Batch batch, loader->Next());
      const bool non_blocking = batch.images.is_pinned();
      return Batch{batch.images.to(o.device, non_blocking),
                   batch.labels.to(o.device, non_blocking)};
    };
  };
  return RunEpochs(net, static_cast<int64_t>(examples.rows.size()), torch::kCPU, start_epoch,
                   /*augment_batches=*/false, o);
}

std::function<absl::Status(const StepContext&, const Batch&, double, const torch::Tensor&)>
ProgressByStep(std::function<bool(double fraction_done)> on_progress) {
  return [on_progress = std::move(on_progress)](const StepContext& at, const Batch&, double,
                                                const torch::Tensor&) {
    if (on_progress &&
        !on_progress(static_cast<double>(at.step + 1) / static_cast<double>(at.total_steps))) {
      return absl::CancelledError(absl::StrCat("training stopped on request at step ", at.step + 1,
                                               " of ", at.total_steps));
    }
    return absl::OkStatus();
  };
}

std::function<absl::Status(int epoch, double mean_batch_loss)> LogEachEpoch(
    std::function<void(const std::string& line)> log, int epochs) {
  if (!log) return nullptr;
  return [log = std::move(log), epochs, start = std::chrono::steady_clock::now()](
             int epoch, double mean_batch_loss) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    log(absl::StrFormat("epoch %d/%d: train_loss %.4g, %.1f s", epoch + 1, epochs, mean_batch_loss,
                        seconds));
    return absl::OkStatus();
  };
}

}  // namespace nas
