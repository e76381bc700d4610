// Test helpers: networks whose every weight and buffer is far from its
// initial value, so that tests exercise what a trained network would have.
#ifndef NAS_WORKER_NASH_TEST_NETS_H_
#define NAS_WORKER_NASH_TEST_NETS_H_

#include <cstdint>

#include "torch/torch.h"
#include "worker/nash/convnet.h"

namespace nas {

// Deterministic in `seed` (a private generator): He-scaled conv weights,
// BatchNorm weight in [-0.5, 1.5] (some negative), bias and running mean in
// [-0.5, 0.5], running variance in [0.25, 2], lambdas in [-1, 1], classifier
// weights ~ N(0, 1 / fan_in), num_batches_tracked 1..1000.
void RandomizeWeights(ConvNet& net, uint64_t seed);

}  // namespace nas

#endif  // NAS_WORKER_NASH_TEST_NETS_H_
