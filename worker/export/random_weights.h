// Test helper: gives every floating-point parameter and buffer of a network
// a random value far from its initial one (BatchNorm statistics and ConvNet
// lambdas included), so that an export that dropped or mixed up a tensor
// changes the outputs.
#ifndef NAS_WORKER_EXPORT_RANDOM_WEIGHTS_H_
#define NAS_WORKER_EXPORT_RANDOM_WEIGHTS_H_

#include <cstdint>

#include "torch/torch.h"

namespace nas {

// Deterministic in `seed` (a private generator): running variances in
// [0.5, 2], every other floating tensor ~ N(0, 0.5^2) (conv weights scaled
// by 1 / sqrt(fan in) so activations stay of order one).
void RandomizeAllWeights(torch::nn::Module& net, uint64_t seed);

}  // namespace nas

#endif  // NAS_WORKER_EXPORT_RANDOM_WEIGHTS_H_
