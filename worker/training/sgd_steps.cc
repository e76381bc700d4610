#include "worker/training/sgd_steps.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace nas {

absl::StatusOr<double> FiniteLoss(const torch::Tensor& loss, int64_t step, int64_t total_steps) {
  const double value = loss.item<double>();
  if (std::isfinite(value)) return value;
  return absl::InvalidArgumentError(
      absl::StrCat("non-finite loss (", value, ") at step ", step + 1, " of ", total_steps,
                   "; the learning rate may be too high for this architecture"));
}

void SetSgdLearningRate(torch::optim::SGD& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) {
    static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
  }
}

}  // namespace nas
