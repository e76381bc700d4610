// The DARTS / PC-DARTS search network ("supernet"): every cell edge is a
// MixedOp over all candidate ops, weighted by softmax(alpha) rows; PC-DARTS
// adds per-edge normalisation weights beta. Weights (convolutions, BN,
// classifier) and architecture parameters (alpha, beta) are kept apart so
// that the bilevel optimisation can give each its own optimiser.
#ifndef NAS_WORKER_SUPERNET_SUPERNET_H_
#define NAS_WORKER_SUPERNET_SUPERNET_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "torch/torch.h"
#include "worker/supernet/mixed_op.h"

namespace nas {

enum class SupernetMethod { kDarts, kPcDarts };

struct SupernetOptions {
  SupernetMethod method = SupernetMethod::kDarts;
  int64_t partial_k = 4;      // PC-DARTS only: 1 / K of the channels go through the ops.
  int64_t nodes = 4;          // Intermediate nodes per cell, in 1..kMaxDartsNodes.
  int64_t cells = 8;          // Reduction cells at cells / 3 and 2 * cells / 3.
  int64_t init_channels = 16; // C; the stem has 3C. PC-DARTS: C must be divisible by K.
  int64_t in_channels = 1;
  int64_t num_classes = 10;
};

// OK or INVALID_ARGUMENT naming the field (as supernet.<field>).
absl::Status ValidateSupernetOptions(const SupernetOptions& options);

// Edges of a cell with `nodes` intermediate nodes: node j reads the two cell
// inputs and nodes 0..j-1, so j + 2 edges; edges are numbered node by node.
inline int64_t NumSupernetEdges(int64_t nodes) { return nodes * (nodes + 3) / 2; }
// The first edge of node j.
inline int64_t FirstEdgeOfNode(int64_t j) { return j * (j + 3) / 2; }

// Softmax of `beta` ([edges]) within each node's slice of edges: PC-DARTS's
// edge normalisation.
torch::Tensor NormalizeEdgeWeights(const torch::Tensor& beta, int64_t nodes);

// One search cell: preprocessing as in DartsCellModule, then node j =
// sum_i e_i * MixedOp_ij(state_i), with e_i = 1 (DARTS) or the normalised
// beta of edge ij (PC-DARTS). Output: the nodes concatenated.
struct SearchCellImpl : torch::nn::Module {
  SearchCellImpl(int64_t nodes, int64_t channels_prev_prev, int64_t channels_prev,
                 int64_t channels, bool reduces, bool reduction_prev, int64_t partial_k);
  // op_weights [edges, kNumMixedOps]; edge_weights [edges] or undefined.
  torch::Tensor forward(torch::Tensor s0, torch::Tensor s1, torch::Tensor op_weights,
                        torch::Tensor edge_weights);

  int64_t nodes = 0;
  bool reduction = false;
  torch::nn::AnyModule preprocess0, preprocess1;
  std::vector<MixedOp> edges;
};
TORCH_MODULE(SearchCell);

// Throws c10::Error on invalid options (callers validate first with
// ValidateSupernetOptions). Architecture parameters start at 1e-3 * N(0, 1)
// so that the first softmax is nearly uniform. All parameters, arch ones
// included, are registered: to(device) and torch::save see everything.
// Not thread-safe.
struct SupernetImpl : torch::nn::Module {
  explicit SupernetImpl(const SupernetOptions& options);
  // [N, in_channels, H, W] -> logits [N, num_classes].
  torch::Tensor forward(torch::Tensor x);

  // alpha_normal, alpha_reduce (and beta_normal, beta_reduce for PC-DARTS).
  std::vector<torch::Tensor> arch_parameters() const;
  // Everything else: stem, cells and classifier.
  std::vector<torch::Tensor> weight_parameters() const;

  SupernetOptions options;
  torch::nn::Sequential stem{nullptr};
  std::vector<SearchCell> cells;
  torch::nn::Linear classifier{nullptr};
  torch::Tensor alpha_normal, alpha_reduce;  // [edges, kNumMixedOps]
  torch::Tensor beta_normal, beta_reduce;    // [edges]; undefined for DARTS.
};
TORCH_MODULE(Supernet);

}  // namespace nas

#endif  // NAS_WORKER_SUPERNET_SUPERNET_H_
