#include "worker/supernet/supernet.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/genome/darts_genome.h"
#include "worker/model/darts_ops.h"

namespace nas {
namespace {

absl::Status Invalid(absl::string_view field, int64_t value, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("supernet.", field, ": ", value, " must be ", rule));
}

}  // namespace

absl::Status ValidateSupernetOptions(const SupernetOptions& o) {
  if (o.nodes < 1 || o.nodes > kMaxDartsNodes) {
    return Invalid("nodes", o.nodes, absl::StrCat("in 1..", kMaxDartsNodes));
  }
  if (o.cells < 1) return Invalid("cells", o.cells, ">= 1");
  if (o.init_channels < 1) return Invalid("init_channels", o.init_channels, ">= 1");
  if (o.in_channels < 1) return Invalid("in_channels", o.in_channels, ">= 1");
  if (o.num_classes < 1) return Invalid("num_classes", o.num_classes, ">= 1");
  if (o.method == SupernetMethod::kPcDarts) {
    if (o.partial_k < 1) return Invalid("partial_k", o.partial_k, ">= 1");
    // Channels double at each reduction, so divisibility of C is enough.
    if (o.init_channels % o.partial_k != 0) {
      return Invalid("init_channels", o.init_channels,
                     absl::StrCat("divisible by partial_k (", o.partial_k, ")"));
    }
  }
  return absl::OkStatus();
}

torch::Tensor NormalizeEdgeWeights(const torch::Tensor& beta, int64_t nodes) {
  std::vector<torch::Tensor> parts;
  for (int64_t j = 0; j < nodes; ++j) {
    parts.push_back(torch::softmax(beta.slice(0, FirstEdgeOfNode(j), FirstEdgeOfNode(j + 1)), 0));
  }
  return torch::cat(parts);
}

SearchCellImpl::SearchCellImpl(int64_t nodes_in, int64_t c_pp, int64_t c_p, int64_t c, bool reduces,
                               bool reduction_prev, int64_t partial_k)
    : nodes(nodes_in), reduction(reduces) {
  // Search form, as DARTS's search cells: no affine BatchNorm parameters.
  preprocess0 = reduction_prev ? torch::nn::AnyModule(FactorizedReduce(c_pp, c, false))
                               : torch::nn::AnyModule(ReluConvBn(c_pp, c, 1, 1, 0, false));
  preprocess1 = torch::nn::AnyModule(ReluConvBn(c_p, c, 1, 1, 0, false));
  register_module("preprocess0", preprocess0.ptr());
  register_module("preprocess1", preprocess1.ptr());
  for (int64_t j = 0; j < nodes; ++j) {
    for (int64_t i = 0; i < j + 2; ++i) {
      // On a reduction cell, edges from the cell inputs halve the resolution.
      const int64_t stride = reduces && i < 2 ? 2 : 1;
      edges.push_back(MixedOp(c, stride, partial_k));
      register_module(absl::StrCat("node", j, "_from", i), edges.back());
    }
  }
}

torch::Tensor SearchCellImpl::forward(torch::Tensor s0, torch::Tensor s1, torch::Tensor op_weights,
                                      torch::Tensor edge_weights) {
  std::vector<torch::Tensor> states = {preprocess0.forward(s0), preprocess1.forward(s1)};
  for (int64_t j = 0; j < nodes; ++j) {
    torch::Tensor node;
    for (int64_t i = 0; i < j + 2; ++i) {
      const int64_t e = FirstEdgeOfNode(j) + i;
      torch::Tensor out = edges[e]->forward(states[i], op_weights[e]);
      if (edge_weights.defined()) out = edge_weights[e] * out;
      node = node.defined() ? node + out : out;
    }
    states.push_back(node);
  }
  return torch::cat(std::vector<torch::Tensor>(states.begin() + 2, states.end()), 1);
}

SupernetImpl::SupernetImpl(const SupernetOptions& o) : options(o) {
  const absl::Status valid = ValidateSupernetOptions(o);
  TORCH_CHECK(valid.ok(), "Supernet: ", valid.ToString());
  constexpr int64_t kStemMultiplier = 3;
  const int64_t k = o.method == SupernetMethod::kPcDarts ? o.partial_k : 1;
  int64_t c = o.init_channels;
  const int64_t c_stem = kStemMultiplier * c;
  stem = register_module(
      "stem", torch::nn::Sequential(
                  torch::nn::Conv2d(
                      torch::nn::Conv2dOptions(o.in_channels, c_stem, 3).padding(1).bias(false)),
                  torch::nn::BatchNorm2d(c_stem)));
  int64_t c_pp = c_stem, c_p = c_stem;
  bool reduction_prev = false;
  for (int64_t i = 0; i < o.cells; ++i) {
    const bool reduction = i == o.cells / 3 || i == 2 * o.cells / 3;
    if (reduction) c *= 2;
    cells.push_back(SearchCell(o.nodes, c_pp, c_p, c, reduction, reduction_prev, k));
    register_module("cell" + std::to_string(i), cells.back());
    reduction_prev = reduction;
    c_pp = c_p;
    c_p = o.nodes * c;
  }
  classifier = register_module("classifier", torch::nn::Linear(c_p, o.num_classes));
  const int64_t edges = NumSupernetEdges(o.nodes);
  alpha_normal = register_parameter("alpha_normal", 1e-3 * torch::randn({edges, kNumMixedOps}));
  alpha_reduce = register_parameter("alpha_reduce", 1e-3 * torch::randn({edges, kNumMixedOps}));
  if (o.method == SupernetMethod::kPcDarts) {
    beta_normal = register_parameter("beta_normal", 1e-3 * torch::randn({edges}));
    beta_reduce = register_parameter("beta_reduce", 1e-3 * torch::randn({edges}));
  }
}

torch::Tensor SupernetImpl::forward(torch::Tensor x) {
  // Softmaxes are computed once per forward, not once per cell.
  const torch::Tensor w_normal = torch::softmax(alpha_normal, -1);
  const torch::Tensor w_reduce = torch::softmax(alpha_reduce, -1);
  torch::Tensor e_normal, e_reduce;
  if (beta_normal.defined()) {
    e_normal = NormalizeEdgeWeights(beta_normal, options.nodes);
    e_reduce = NormalizeEdgeWeights(beta_reduce, options.nodes);
  }
  torch::Tensor s0 = stem->forward(x);
  torch::Tensor s1 = s0;
  for (auto& cell : cells) {
    torch::Tensor next = cell->reduction ? cell->forward(s0, s1, w_reduce, e_reduce)
                                         : cell->forward(s0, s1, w_normal, e_normal);
    s0 = s1;
    s1 = next;
  }
  return classifier->forward(torch::adaptive_avg_pool2d(s1, {1, 1}).flatten(1));
}

std::vector<torch::Tensor> SupernetImpl::arch_parameters() const {
  std::vector<torch::Tensor> p = {alpha_normal, alpha_reduce};
  if (beta_normal.defined()) {
    p.push_back(beta_normal);
    p.push_back(beta_reduce);
  }
  return p;
}

std::vector<torch::Tensor> SupernetImpl::weight_parameters() const {
  std::vector<torch::Tensor> p = stem->parameters();
  for (const auto& cell : cells) {
    for (const auto& t : cell->parameters()) p.push_back(t);
  }
  for (const auto& t : classifier->parameters()) p.push_back(t);
  return p;
}

}  // namespace nas
