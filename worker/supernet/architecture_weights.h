// A DARTS/PC-DARTS supernet's architecture parameters as the probability
// matrices EpochProgress.architecture_weights carries (the dashboard draws
// them over the epochs).
#ifndef NAS_WORKER_SUPERNET_ARCHITECTURE_WEIGHTS_H_
#define NAS_WORKER_SUPERNET_ARCHITECTURE_WEIGHTS_H_

#include <vector>

#include "proto/search.pb.h"
#include "torch/torch.h"

namespace nas {

// "normal" and "reduce": per edge (rows "node j <- input") the softmax of its
// alphas over the search ops (none first). For PC-DARTS (betas defined) also
// "normal edges" and "reduce edges": each edge's normalised weight within its
// node (one column). Alphas are [edges, ops], betas [edges], for `nodes`.
std::vector<v1::ArchitectureWeights> DartsArchitectureWeights(const torch::Tensor& alpha_normal,
                                                              const torch::Tensor& alpha_reduce,
                                                              const torch::Tensor& beta_normal,
                                                              const torch::Tensor& beta_reduce,
                                                              int64_t nodes);

}  // namespace nas

#endif  // NAS_WORKER_SUPERNET_ARCHITECTURE_WEIGHTS_H_
