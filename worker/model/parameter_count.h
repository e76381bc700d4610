// How big a LibTorch network is, as reported with every evaluation.
#ifndef NAS_WORKER_MODEL_PARAMETER_COUNT_H_
#define NAS_WORKER_MODEL_PARAMETER_COUNT_H_

#include <cstdint>

#include "torch/torch.h"

namespace nas {

// Trainable scalars (parameters with requires_grad) of `module` and all its
// registered descendants.
int64_t CountParameters(const torch::nn::Module& module);

}  // namespace nas

#endif  // NAS_WORKER_MODEL_PARAMETER_COUNT_H_
