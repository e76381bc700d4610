// Re-estimating BatchNorm running statistics from training batches before a
// network is measured in eval mode.
//
// BatchNorm's running mean and variance are an exponential moving average
// (momentum 0.1) of batch statistics taken while the weights were changing.
// After a short training run (a proxy of a few dozen steps) they lag behind
// the final weights; eval-mode BatchNorm then normalises with statistics of
// an earlier network, and its accuracy can fall to chance although the
// network has learnt. Recalibration forgets them and re-estimates them
// (cumulative average, as momentum = None in PyTorch) with forward passes of
// the final weights over training batches, without gradients: weight-sharing
// NAS does the same before evaluating a sub-network.
#ifndef NAS_WORKER_TRAINING_BATCH_NORM_RECALIBRATION_H_
#define NAS_WORKER_TRAINING_BATCH_NORM_RECALIBRATION_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "torch/torch.h"

namespace nas {

// Training batches the candidate and NASH trainers recalibrate with by
// default (or all the training batches, if fewer).
inline constexpr int kDefaultRecalibrationBatches = 20;

struct BatchNormRecalibration {
  // Batches of batch_size rows taken in order from the first row of the
  // images (the training set, already shuffled by the split): at most this
  // many, fewer when the images run out. 0 = no recalibration.
  int batches = kDefaultRecalibrationBatches;
  int64_t batch_size = 64;                 // >= 1: the training batch size.
  torch::Device device = torch::kCPU;      // Where the module is; batches are moved there.
  std::optional<torch::ScalarType> dtype;  // Images converted to it; none = as they are.
};

// Resets the running mean, variance and batch count of every BatchNorm1d,
// 2d and 3d in `module` (itself or a descendant) that tracks running
// statistics, then runs `forward` in train mode under NoGradGuard over the
// batches `options` names, each BatchNorm averaging the batch statistics
// cumulatively (every batch weighs the same, whatever its momentum). Each
// BatchNorm's momentum and the module's train/eval mode are restored
// afterwards, also when `forward` throws; the weights are untouched. A
// trailing batch of one example is skipped (train-mode BatchNorm cannot
// normalise it). Returns the number of batches run: 0, leaving the module
// untouched, when options.batches is 0, there are no images or the module has
// no BatchNorm. Deterministic: the same module, images and options give the
// same statistics. Throws c10::Error on LibTorch errors. Not thread-safe with
// respect to `module`.
int64_t RecalibrateBatchNorm(torch::nn::Module& module,
                             const std::function<torch::Tensor(const torch::Tensor&)>& forward,
                             const torch::Tensor& images, const BatchNormRecalibration& options);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_BATCH_NORM_RECALIBRATION_H_
