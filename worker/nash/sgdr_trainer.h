// Trains a ConvNet in place with SGD and SGDR (cosine annealing with warm
// restarts, Loshchilov & Hutter 2017), as NASH trains its neighbours and its
// final network (Elsken et al. 2017, seed 001).
#ifndef NAS_WORKER_NASH_SGDR_TRAINER_H_
#define NAS_WORKER_NASH_SGDR_TRAINER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "torch/torch.h"
#include "worker/data/image_dataset.h"
#include "worker/nash/convnet.h"
#include "worker/training/augmentation.h"
#include "worker/training/batch_norm_recalibration.h"
#include "worker/training/training_resume.h"

namespace nas {

// NASH's schedule: each neighbour trains epoch_neigh = 17 epochs with the
// learning rate annealed from 0.05 to 0; the next hill-climbing step's
// children start again at 0.05 (the warm restart); the winner trains 20
// epochs at the end.
inline constexpr int kNashNeighbourEpochs = 17;
inline constexpr int kNashFinalEpochs = 20;

struct ConvNetTrainOptions {
  torch::Device device = torch::kCPU;  // Where the net (moved there) and batches live.
  int epochs = kNashNeighbourEpochs;   // >= 1.
  int batch_size = 64;                 // >= 1.
  // SGDR (SgdrSchedule, worker/training/learning_rate_schedule.h): within
  // restart period i (of T_i = restart_period_epochs * t_mult^i epochs) the
  // rate goes lr_min + (lr_max - lr_min) * (1 + cos(pi * t / T_i)) / 2 at t
  // epochs into the period, set before every step. lr_max must not be
  // negative; NaN and infinity are let through on purpose, so that they
  // surface as the "non-finite loss" of a diverged run.
  double lr_max = 0.05;
  double lr_min = 0.0;               // >= 0 and <= lr_max.
  double restart_period_epochs = 0;  // T_0 > 0; 0 = `epochs` (one cosine per run).
  double t_mult = 1;                 // >= 1: each period t_mult times the last.
  double momentum = 0.9;             // In [0, 1).
  double weight_decay = 5e-4;        // >= 0.
  uint64_t seed = 0;  // The batch order and augmentation (the weights are the net's).
  // Done to every training batch, seeded by (seed, step); never to the
  // validation data. Default: nothing.
  Augmentation augmentation;
  // BatchNorm statistics re-estimated before measuring from the first this
  // many training batches (worker/training/batch_norm_recalibration.h);
  // >= 0, 0 = the running statistics training left.
  int bn_recalibration_batches = kDefaultRecalibrationBatches;
  // Called after every optimisation step with the fraction done, in (0, 1];
  // returning false stops training (CANCELLED). May be empty. Called on the
  // training thread; keep it cheap.
  std::function<bool(double fraction_done)> on_progress;
  // Given a line at the end of each epoch (LogEachEpoch, training_loop.h),
  // for the job's log. May be empty.
  std::function<void(const std::string& line)> log;
  // Resuming after an epoch (worker/training/training_resume.h): the net is
  // loaded from the state, and the run ends as the uninterrupted one would
  // (bit-equal on the CPU); train_seconds counts this run's time.
  TrainingResume resume;
};

struct ConvNetTrainOutcome {
  double validation_accuracy = 0;  // In [0, 1], eval mode (BN statistics recalibrated).
  double final_train_loss = 0;     // Mean cross-entropy over the last epoch's batches.
  int64_t parameter_count = 0;     // Trainable scalars of the network.
  double train_seconds = 0;        // Wall time of training and evaluating.
  int64_t train_examples = 0;      // Examples per epoch.
};

// Moves `net` to options.device and trains it in place: shuffled
// mini-batches (augmented as options.augmentation says; a trailing batch of
// one example is skipped, as BatchNorm cannot normalise it), cross-entropy,
// SGD with momentum and weight decay, the gradient norm clipped at 5, the
// SGDR rate set before every step; then recalibrates its BatchNorm
// statistics on training batches and measures accuracy on data.validation.
// On success the net is left in eval mode; on error its weights are wherever
// training stopped. The same net, data and options on the same build and
// device give the same outcome.
//
// Never throws. Errors:
//   INVALID_ARGUMENT  an option (named as training.<field> or
//                     dataset.augmentation.<field>; a resume state not of
//                     this run as training.resume_state, the net then
//                     untouched), data that does not
//                     fit the net (channels, classes) or is malformed, or
//                     a diverged run: the message starts with "non-finite
//                     loss" (NaN/inf loss at some step, or non-finite outputs
//                     on the validation data).
//   CANCELLED         on_progress returned false.
//   RESOURCE_EXHAUSTED  out of (GPU or CPU) memory: may work elsewhere.
//   INTERNAL          any other LibTorch error.
// The thread count is the caller's (torch::set_num_threads).
absl::StatusOr<ConvNetTrainOutcome> TrainConvNet(ConvNet& net, const TrainValidationSplit& data,
                                                 const ConvNetTrainOptions& options);

// The fraction of `data` that `net` (moved to `device`, put in eval mode)
// classifies correctly; INVALID_ARGUMENT starting "non-finite loss" if any
// output is not finite, or when the data does not fit the net.
absl::StatusOr<double> EvaluateAccuracy(ConvNet& net, const ImageDataset& data,
                                        torch::Device device);

}  // namespace nas

#endif  // NAS_WORKER_NASH_SGDR_TRAINER_H_
