// The one training loop of the worker: epochs of shuffled mini-batches, an
// SGD step on each with the learning rate of a schedule, the gradient norm
// clipped and the loss checked to be finite; hooks let a caller add an
// architecture step before or after each weight step, report progress (and
// stop), and measure or report at the end of each epoch. Candidate training,
// NASH's SGDR and the weight steps of the supernet and TF-NAS searches all
// run through it.
#ifndef NAS_WORKER_TRAINING_TRAINING_LOOP_H_
#define NAS_WORKER_TRAINING_TRAINING_LOOP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "torch/torch.h"
#include "worker/data/batch.h"
#include "worker/data/dataset_files.h"
#include "worker/data/example_source.h"
#include "worker/data/prefetch_loader.h"
#include "worker/training/evaluation.h"
#include "worker/training/gpu_training.h"
#include "worker/training/learning_rate_schedule.h"

namespace nas {

// A network to train: its module (parameters, train/eval mode, device) and
// its forward pass.
struct TrainableNetwork {
  std::shared_ptr<torch::nn::Module> module;
  Forward forward;
};

// Where the loop stands at a step; given to the hooks.
struct StepContext {
  int epoch = 0;              // 0-based.
  int64_t step_in_epoch = 0;  // 0-based.
  int64_t step = 0;           // 0-based over the whole run.
  int64_t steps_per_epoch = 0, total_steps = 0;
  int64_t batch_begin = 0, batch_end = 0;  // The batch's rows of the epoch's order.
  int64_t epoch_examples = 0;              // Rows of each epoch's order.
  double learning_rate = 0;                // Set on the optimizer for this step.
};

// What a weight step minimises: the loss, and the logits its statistics are
// taken from.
struct StepLoss {
  torch::Tensor loss;
  torch::Tensor logits;
};

struct TrainingLoopOptions {
  int epochs = 1;           // >= 1.
  int64_t batch_size = 64;  // >= 1; the last batch of an epoch may be smaller.
  // Rows of each epoch's order: the first ones of the images, in a shuffled
  // order. 0 = all of them.
  int64_t examples_per_epoch = 0;
  // Skip a trailing batch of a single example (BatchNorm in train mode has
  // nothing to normalise it by).
  bool skip_single_example_batch = false;
  // SGD of `parameters` (empty = all of the module's), the rate of `schedule`
  // set before every step, the gradient norm of `parameters` clipped at
  // max_grad_norm.
  std::vector<torch::Tensor> parameters;
  std::shared_ptr<const LearningRateSchedule> schedule;  // Required.
  double momentum = 0.9;
  double weight_decay = 0;
  double max_grad_norm = 5.0;
  torch::Device device = torch::kCPU;  // Where batches are moved to.
  // The order of an epoch's examples (0-based epoch; indices on the images'
  // device). Empty: a permutation drawn from a CPU generator seeded with
  // shuffle_seed, so the global generator is not drawn from.
  std::function<torch::Tensor(int epoch)> epoch_order;
  uint64_t shuffle_seed = 0;
  // The images of each training batch (on `device`) as the step sees them:
  // applied after the batch is taken and before before_step and the forward
  // pass, never to evaluation data. Must keep the shape. Empty: as they are.
  // With streamed examples the loader's threads apply it on the CPU (the
  // context has no learning rate then), so it must be thread-safe.
  using Augment = std::function<torch::Tensor(const StepContext&, const torch::Tensor& images)>;
  Augment augment;
  // Mixed precision and memory format of the weight steps (the caller
  // resolves them for its device: GpuTrainingFor). Channels-last converts
  // the module's 4-D weights at the start and every batch; the forward pass
  // and the loss run under autocast for BF16 and FP16; FP16 scales the loss
  // (starting at initial_loss_scale) and skips steps whose gradients
  // overflow.
  GpuTraining gpu;
  double initial_loss_scale = 65536.0;
  // The loss of a weight step; empty: cross-entropy of the forward pass.
  std::function<StepLoss(const StepContext&, const Batch&)> step_loss;
  // Before each weight step (e.g. an architecture step on its own batch).
  std::function<absl::Status(const StepContext&, const Batch&)> before_step;
  // After each weight step, with its loss and (detached) logits: statistics,
  // architecture steps, progress. A non-OK status ends the run with it.
  std::function<absl::Status(const StepContext&, const Batch&, double loss,
                             const torch::Tensor& logits)>
      after_step;
  // At the end of each epoch (0-based), with the mean of its batch losses.
  std::function<absl::Status(int epoch, double mean_batch_loss)> at_epoch_end;
  // Resuming a run from its state after `first_epoch` epochs (0..epochs):
  // the loop starts at step first_epoch * steps_per_epoch, so the schedule,
  // the augmentation draws and the hooks see what an uninterrupted run would
  // have, and the default shuffle skips the earlier epochs' orders
  // (epoch_order is asked only for the epochs run). The caller restores the
  // rest: the network, and the SGD state through load_optimizer.
  int first_epoch = 0;
  // Before the first step, with the weights' SGD (e.g. torch::optim::SGD::load
  // of a saved state). May be empty.
  std::function<absl::Status(torch::optim::SGD& sgd)> load_optimizer;
  // After each epoch's steps and before at_epoch_end, with its 0-based epoch
  // and the weights' SGD (e.g. to save a state to resume from). May be empty.
  std::function<absl::Status(int epoch, const torch::optim::SGD& sgd)> save_state;
};

// Batches an epoch of `examples` takes: ceil(examples / batch_size), less a
// trailing single-example batch if asked to skip it.
int64_t StepsPerEpoch(int64_t examples, int64_t batch_size, bool skip_single_example_batch);

// Trains `net` in place on `images` and `labels` (same rows; on the device of
// the epoch orders) as `options` says, putting the module in train mode at
// the start of every epoch; returns the last epoch's mean batch loss. Errors:
// INVALID_ARGUMENT "non-finite loss (...) at step k of T ..." when a step's
// loss is NaN or infinite (FiniteLoss), or whatever a hook returns. Options
// are the caller's to validate. Throws c10::Error on LibTorch errors (callers
// map them with CallGuarded). Not thread-safe with respect to `net`.
absl::StatusOr<double> RunTrainingLoop(const TrainableNetwork& net, const torch::Tensor& images,
                                       const torch::Tensor& labels,
                                       const TrainingLoopOptions& options);

// Training images read from their files batch by batch instead of held in
// memory (a split whose training images stream, image_dataset.h).
struct StreamedExamples {
  std::shared_ptr<const ExampleSource> source;
  std::vector<int64_t> rows;  // The training rows of `source`, in the split's order.
  // Per channel: each batch becomes (x - mean) / std before augmentation.
  std::vector<float> channel_mean, channel_std;
  PrefetchOptions prefetch;
};

// RunTrainingLoop over streamed examples: each epoch's order (of
// rows.size() examples, or examples_per_epoch) is read by a PrefetchLoader
// whose threads decode, normalise and augment the batches ahead of the step;
// batches reach `device` with non-blocking copies when they are pinned. A
// file that cannot be read ends the run with its error (naming the file).
absl::StatusOr<double> RunTrainingLoop(const TrainableNetwork& net,
                                       const StreamedExamples& examples,
                                       const TrainingLoopOptions& options);

// An after_step hook that reports steps done / all steps to `on_progress`
// (may be empty) and stops with CANCELLED "training stopped on request at
// step k of T" when it returns false.
std::function<absl::Status(const StepContext&, const Batch&, double, const torch::Tensor&)>
ProgressByStep(std::function<bool(double fraction_done)> on_progress);

// An at_epoch_end hook that writes one line per epoch to `log` (a job's
// log, worker/runtime/job_log.h): "epoch 2/5: train_loss 0.4123, 3.1 s"
// (the mean batch loss, seconds since the hook was made). Empty when `log`
// is.
std::function<absl::Status(int epoch, double mean_batch_loss)> LogEachEpoch(
    std::function<void(const std::string& line)> log, int epochs);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_TRAINING_LOOP_H_
