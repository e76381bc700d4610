// Turns the continuous architecture weights of a supernet into a discrete
// DARTS genotype, as DARTS and PC-DARTS do after search.
#ifndef NAS_WORKER_SUPERNET_DERIVE_H_
#define NAS_WORKER_SUPERNET_DERIVE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "common/genome/darts_genome.h"
#include "torch/torch.h"

namespace nas {

// For each of the `nodes` nodes of each cell, keeps the two incoming edges
// with the largest strength and, on each, its strongest op other than
// `none`. An edge's strength is max over non-`none` ops of softmax(alpha
// row) (`none` is ignored: a node cannot choose "nothing"), multiplied for
// PC-DARTS by the edge's normalised beta (softmax over the node's edges).
// Ties go to the lower input index / op index. Every node has >= 2 inputs,
// so the result always validates.
//
// alpha_*: [NumSupernetEdges(nodes), kNumMixedOps]; beta_*: [edges] or both
// undefined (DARTS). Any device and floating dtype. INVALID_ARGUMENT on
// wrong shapes, or when exactly one beta is defined.
absl::StatusOr<DartsGenome> DeriveGenotype(const torch::Tensor& alpha_normal,
                                           const torch::Tensor& alpha_reduce, int64_t nodes,
                                           const torch::Tensor& beta_normal = {},
                                           const torch::Tensor& beta_reduce = {});

}  // namespace nas

#endif  // NAS_WORKER_SUPERNET_DERIVE_H_
