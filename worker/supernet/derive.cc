#include "worker/supernet/derive.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "worker/supernet/mixed_op.h"
#include "worker/supernet/supernet.h"

namespace nas {
namespace {

absl::Status CheckShapes(const torch::Tensor& alpha, const torch::Tensor& beta, int64_t edges,
                         absl::string_view cell) {
  if (!alpha.defined() || alpha.dim() != 2 || alpha.size(0) != edges ||
      alpha.size(1) != kNumMixedOps) {
    return absl::InvalidArgumentError(
        absl::StrCat("alpha_", cell, " must have shape [", edges, ", ", kNumMixedOps, "]"));
  }
  if (beta.defined() && (beta.dim() != 1 || beta.size(0) != edges)) {
    return absl::InvalidArgumentError(
        absl::StrCat("beta_", cell, " must have shape [", edges, "]"));
  }
  return absl::OkStatus();
}

DartsCell DeriveCell(const torch::Tensor& alpha, const torch::Tensor& beta, int64_t nodes) {
  // Work on CPU float64 copies: derivation is tiny and must not depend on the
  // training device.
  const torch::Tensor probs = torch::softmax(alpha.detach().to(torch::kCPU, torch::kDouble), -1);
  torch::Tensor edge_weight;
  if (beta.defined()) {
    edge_weight = NormalizeEdgeWeights(beta.detach().to(torch::kCPU, torch::kDouble), nodes);
  }
  const auto p = probs.accessor<double, 2>();
  DartsCell cell;
  for (int64_t j = 0; j < nodes; ++j) {
    const int64_t inputs = j + 2;
    std::vector<double> strength(inputs);
    std::vector<int> best_op(inputs);
    for (int64_t i = 0; i < inputs; ++i) {
      const int64_t e = FirstEdgeOfNode(j) + i;
      int best = 1;
      for (int o = 2; o < kNumMixedOps; ++o) {
        if (p[e][o] > p[e][best]) best = o;
      }
      best_op[i] = best;
      strength[i] = p[e][best] * (edge_weight.defined() ? edge_weight[e].item<double>() : 1.0);
    }
    std::vector<int> order(inputs);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return strength[a] > strength[b]; });
    std::array<DartsEdge, 2> node;
    for (int k = 0; k < 2; ++k) {
      node[k] = DartsEdge{order[k], static_cast<DartsOp>(best_op[order[k]] - 1)};
    }
    cell.nodes.push_back(node);
  }
  return cell;
}

}  // namespace

absl::StatusOr<DartsGenome> DeriveGenotype(const torch::Tensor& alpha_normal,
                                           const torch::Tensor& alpha_reduce, int64_t nodes,
                                           const torch::Tensor& beta_normal,
                                           const torch::Tensor& beta_reduce) {
  if (nodes < 1 || nodes > kMaxDartsNodes) {
    return absl::InvalidArgumentError(
        absl::StrCat("nodes: ", nodes, " must be in 1..", kMaxDartsNodes));
  }
  if (beta_normal.defined() != beta_reduce.defined()) {
    return absl::InvalidArgumentError("beta_normal and beta_reduce: give both or neither");
  }
  const int64_t edges = NumSupernetEdges(nodes);
  absl::Status s = CheckShapes(alpha_normal, beta_normal, edges, "normal");
  if (!s.ok()) return s;
  s = CheckShapes(alpha_reduce, beta_reduce, edges, "reduce");
  if (!s.ok()) return s;
  DartsGenome genome;
  genome.normal = DeriveCell(alpha_normal, beta_normal, nodes);
  genome.reduce = DeriveCell(alpha_reduce, beta_reduce, nodes);
  return Canonicalize(genome);
}

}  // namespace nas
