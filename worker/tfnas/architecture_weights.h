// A TF-NAS supernet's architecture distribution as the probability matrices
// EpochProgress.architecture_weights carries (the dashboard draws them over
// the epochs).
#ifndef NAS_WORKER_TFNAS_ARCHITECTURE_WEIGHTS_H_
#define NAS_WORKER_TFNAS_ARCHITECTURE_WEIGHTS_H_

#include <vector>

#include "common/genome/tfnas_space.h"
#include "proto/search.pb.h"
#include "worker/tfnas/latency_target.h"

namespace nas {

// Per stage s (1-based): "stage s", one row per layer ("layer l") over the
// space's ops ("k3e6"), and "stage s depth", one row over its depths
// ("1 layer", "2 layers", ...).
std::vector<v1::ArchitectureWeights> TfNasArchitectureWeights(const TfNasSpace& space,
                                                              const ArchDistribution& dist);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_ARCHITECTURE_WEIGHTS_H_
