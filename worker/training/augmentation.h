// Augmentation of training batches (nas.v1.Augmentation): random crop with
// zero padding, random horizontal flip and cutout, done with batched tensor
// ops on the batch's device. The random draws (a few numbers per example)
// come from a CPU generator seeded by (seed, step), so the same job sees the
// same batches on every device, and nothing draws from LibTorch's global
// generator (the initial weights and batch orders stay as they were).
#ifndef NAS_WORKER_TRAINING_AUGMENTATION_H_
#define NAS_WORKER_TRAINING_AUGMENTATION_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "proto/search.pb.h"
#include "torch/torch.h"
#include "worker/training/training_loop.h"

namespace nas {

// What is done to each training image. All zero/false: nothing.
struct Augmentation {
  // Pixels of zero padding on every side, then a random crop back to the
  // original size (an offset of 0..2p on each axis); 0 = no crop. Images are
  // normalised to zero mean, so the padding is the mean pixel.
  int crop_padding = 0;
  bool horizontal_flip = false;  // Mirror left-right with probability 1/2.
  // Side of a square zeroed around a random centre, clipped at the border
  // (rows [y - L/2, y + L/2), as DARTS's Cutout); 0 = none.
  int cutout_length = 0;

  bool enabled() const { return crop_padding > 0 || horizontal_flip || cutout_length > 0; }
};

// INVALID_ARGUMENT naming the field (dataset.augmentation.<field>) unless
// crop_padding and cutout_length are >= 0.
absl::Status ValidateAugmentation(const Augmentation& a);

// The papers' recipe for 32-pixel colour images (DARTS, PC-DARTS, TF-NAS on
// CIFAR-10): padding 4, random crop, random flip.
inline constexpr int kPaperCropPadding = 4;

// What `spec` asks of images shaped [C, H, W] (`image_sizes`, the batch
// dimension left out): AUGMENTATION_DEFAULT is the papers' crop and flip for
// 3-channel 32x32 images and nothing otherwise, OFF nothing, ON the spec's
// fields as they are (validated by the controller).
Augmentation ResolveAugmentation(const v1::Augmentation& spec, torch::IntArrayRef image_sizes);

// A seed for the draws of `step` of a run seeded with `seed`; `stream`
// separates independent uses within one step (e.g. the weight and the
// architecture batch of a supernet step).
uint64_t AugmentationSeed(uint64_t seed, int64_t step, uint64_t stream = 0);

// `images` [B, C, H, W] (floating point, any device) augmented as `a` says,
// each example with its own draws: crop offsets, then a flip, then a cutout
// centre. A new tensor of the same shape, dtype and device; `images` itself
// is never changed. The same (images, a, seed) gives the same output. Throws
// c10::Error on LibTorch errors (e.g. a tensor that is not 4-D).
torch::Tensor AugmentBatch(const torch::Tensor& images, const Augmentation& a, uint64_t seed);

// A TrainingLoopOptions::augment hook: each step's training images augmented
// with AugmentationSeed(seed, step, stream). Empty when `a` does nothing, so
// the loop leaves its batches alone.
TrainingLoopOptions::Augment AugmentTrainingBatches(const Augmentation& a, uint64_t seed,
                                                    uint64_t stream = 0);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_AUGMENTATION_H_
