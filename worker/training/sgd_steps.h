// Small pieces of an SGD step: the training loop's (training_loop.h) and
// TF-NAS's architecture step.
#ifndef NAS_WORKER_TRAINING_SGD_STEPS_H_
#define NAS_WORKER_TRAINING_SGD_STEPS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "torch/torch.h"

namespace nas {

// The loss of step `step` (0-based) of `total_steps` as a number, or the
// INVALID_ARGUMENT ("non-finite loss ...") that ends a diverged run.
absl::StatusOr<double> FiniteLoss(const torch::Tensor& loss, int64_t step, int64_t total_steps);

// Sets the learning rate of every parameter group of an SGD optimizer (the
// schedules here are computed per step or per epoch, not by LibTorch).
void SetSgdLearningRate(torch::optim::SGD& optimizer, double lr);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_SGD_STEPS_H_
