// Trains a candidate network from scratch and measures it on held-out data:
// the fitness of one individual. DARTS-cell networks have their own entry
// point; any other network (TF-NAS) comes through TrainNetworkAndEvaluate.
#ifndef NAS_WORKER_TRAINING_TRAINER_H_
#define NAS_WORKER_TRAINING_TRAINER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/genome/darts_genome.h"
#include "torch/torch.h"
#include "worker/data/image_dataset.h"
#include "worker/model/darts_network.h"
#include "worker/training/augmentation.h"
#include "worker/training/batch_norm_recalibration.h"
#include "worker/training/gpu_training.h"
#include "worker/training/training_loop.h"
#include "worker/training/training_resume.h"

namespace nas {

// The recipe of one training run (the fields of nas.v1.Training, plus where
// and with which seed it runs).
struct TrainOptions {
  torch::Device device = torch::kCPU;  // Where the model and batches live.
  int epochs = 1;                      // >= 1.
  int batch_size = 64;                 // >= 1; the last batch may be smaller.
  double learning_rate = 0.05;         // > 0: the start of the cosine schedule.
  double momentum = 0.9;               // In [0, 1).
  double weight_decay = 3e-4;          // >= 0.
  int init_channels = 16;              // DARTS only, >= 1: C, the channels after the stem are 3C.
  int cells = 8;                       // DARTS only, >= 1.
  uint64_t seed = 0;  // Seeds the initial weights, the batch order and the augmentation.
  // Done to every training batch, seeded by (seed, step); never to the
  // validation data. Default: nothing.
  Augmentation augmentation;
  // Before measuring, BatchNorm running statistics are re-estimated from the
  // first this many training batches (of batch_size, in the split's order;
  // all of them if fewer): see batch_norm_recalibration.h. >= 0; 0 = measure
  // with the running statistics training left.
  int bn_recalibration_batches = kDefaultRecalibrationBatches;
  // Mixed precision, channels-last, cuDNN autotuning as asked; on a device
  // that is not CUDA they are ignored with one log line (GpuTrainingFor).
  GpuTraining gpu;
  // Called after every optimisation step with the fraction done, in (0, 1];
  // returning false stops training (the result is then CANCELLED). May be
  // empty. Called on the training thread; keep it cheap.
  std::function<bool(double fraction_done)> on_progress;
  // Given a line at the end of each epoch (LogEachEpoch, training_loop.h),
  // for the job's log. May be empty.
  std::function<void(const std::string& line)> log;
  // Early stopping: when set, the validation accuracy is measured after
  // every epoch but the last, as the final one is (recalibrated BatchNorm,
  // eval mode; an evaluation pass more per epoch, which leaves the training
  // as it would be without it), and given here with the epoch (1-based) and
  // its mean batch loss; returning false stops training there, and the
  // outcome is that epoch's (stopped_early). After the last epoch it is
  // called once more with the final measurement, its answer ignored.
  std::function<bool(int epoch, double train_loss, double valid_accuracy)> on_epoch_accuracy;
  // Resuming after an epoch (training_resume.h): a resumed run ends as the
  // uninterrupted one would (bit-equal on the CPU); its hooks see the epochs
  // after the state's only, and train_seconds counts this run's time.
  TrainingResume resume;
};

struct TrainOutcome {
  // In [0, 1], in eval mode (BN running statistics, recalibrated unless
  // bn_recalibration_batches is 0).
  double validation_accuracy = 0;
  double final_train_loss = 0;  // Mean cross-entropy over the last epoch's batches.
  int64_t parameter_count = 0;  // Trainable scalars of the network.
  double train_seconds = 0;     // Wall time of building, training and evaluating.
  int64_t train_examples = 0;   // Examples per epoch.
  int epochs_trained = 0;       // options.epochs, or fewer when stopped early.
  bool stopped_early = false;   // on_epoch_accuracy returned false.
  // TrainAndEvaluate only: the trained network (eval mode, on
  // options.device) and the shape it was built with, e.g. for saving its
  // weights.
  DartsNetwork network{nullptr};
  DartsNetworkOptions network_options;
};

// Builds the network to train (TrainableNetwork, training_loop.h); called inside
// RunSeeded(options.seed) (default_generator.h), so that the initial weights follow
// options.seed even while other slots build theirs. Its errors are returned as they are.
using NetworkBuilder = std::function<absl::StatusOr<TrainableNetwork>()>;

// Builds the network of `genome` for `data` (input channels from the images,
// classes from num_classes) with its initial weights drawn from options.seed
// (RunSeeded, default_generator.h), trains it with SGD (momentum, weight
// decay) on shuffled mini-batches (augmented as options.augmentation says)
// with a per-step cosine learning rate from learning_rate to 0 over all steps
// and the gradient norm clipped at 5, recalibrates its BatchNorm statistics
// on training batches, then measures accuracy on data.validation. The same
// inputs on the same build
// and device give the same outcome.
//
// Never throws. Errors:
//   INVALID_ARGUMENT  an invalid genome, option (named as training.<field>
//                     or dataset.augmentation.<field>; a resume state not
//                     of this run as training.resume_state) or dataset; or
//                     training diverged: the message starts with
//                     "non-finite loss" (NaN/inf loss at some step, or
//                     non-finite outputs on the validation data).
//   CANCELLED         on_progress returned false.
//   RESOURCE_EXHAUSTED  out of (GPU or CPU) memory: may work elsewhere.
//   INTERNAL          any other LibTorch error.
// The thread count is the caller's (torch::set_num_threads). Not safe to run
// concurrently with other code that relies on LibTorch's global seed.
absl::StatusOr<TrainOutcome> TrainAndEvaluate(const DartsGenome& genome,
                                              const TrainValidationSplit& data,
                                              const TrainOptions& options);

// The same recipe for the network `build` makes (init_channels and cells are
// ignored). The same errors, except that the builder's own are passed on.
absl::StatusOr<TrainOutcome> TrainNetworkAndEvaluate(const NetworkBuilder& build,
                                                     const TrainValidationSplit& data,
                                                     const TrainOptions& options);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_TRAINER_H_
