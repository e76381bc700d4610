#include "worker/supernet/architecture_weights.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/genome/darts_genome.h"
#include "worker/supernet/mixed_op.h"
#include "worker/supernet/supernet.h"

namespace nas {
namespace {

// Row labels in edge order: node j reads c_{k-2}, c_{k-1}, then nodes 0..j-1.
std::vector<std::string> EdgeLabels(int64_t nodes) {
  std::vector<std::string> labels;
  for (int64_t j = 0; j < nodes; ++j) {
    for (int64_t i = 0; i < j + 2; ++i) {
      const std::string input = i == 0   ? "c_{k-2}"
                                : i == 1 ? "c_{k-1}"
                                         : absl::StrCat("node ", i - 2);
      labels.push_back(absl::StrCat("node ", j, " <- ", input));
    }
  }
  return labels;
}

v1::ArchitectureWeights Matrix(const std::string& name, const std::vector<std::string>& rows,
                               const std::vector<std::string>& columns,
                               const torch::Tensor& probabilities) {
  v1::ArchitectureWeights w;
  w.set_name(name);
  for (const auto& r : rows) w.add_rows(r);
  for (const auto& c : columns) w.add_columns(c);
  const torch::Tensor flat = probabilities.to(torch::kCPU, torch::kDouble).contiguous().view(-1);
  const double* data = flat.data_ptr<double>();
  w.mutable_weights()->Add(data, data + flat.numel());
  return w;
}

}  // namespace

std::vector<v1::ArchitectureWeights> DartsArchitectureWeights(const torch::Tensor& alpha_normal,
                                                              const torch::Tensor& alpha_reduce,
                                                              const torch::Tensor& beta_normal,
                                                              const torch::Tensor& beta_reduce,
                                                              int64_t nodes) {
  torch::NoGradGuard no_grad;
  const std::vector<std::string> edges = EdgeLabels(nodes);
  std::vector<std::string> ops = {"none"};
  for (int o = 0; o + 1 < kNumMixedOps; ++o) {
    ops.emplace_back(DartsOpName(static_cast<DartsOp>(o)));
  }
  std::vector<v1::ArchitectureWeights> out;
  out.push_back(Matrix("normal", edges, ops, torch::softmax(alpha_normal.detach(), -1)));
  out.push_back(Matrix("reduce", edges, ops, torch::softmax(alpha_reduce.detach(), -1)));
  if (beta_normal.defined() && beta_reduce.defined()) {
    out.push_back(Matrix("normal edges", edges, {"edge weight"},
                         NormalizeEdgeWeights(beta_normal.detach().to(torch::kCPU), nodes)));
    out.push_back(Matrix("reduce edges", edges, {"edge weight"},
                         NormalizeEdgeWeights(beta_reduce.detach().to(torch::kCPU), nodes)));
  }
  return out;
}

}  // namespace nas
