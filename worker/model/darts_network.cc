#include "worker/model/darts_network.h"

#include <string>

#include "worker/model/darts_ops.h"

namespace nas {

DartsCellModuleImpl::DartsCellModuleImpl(const DartsCell& cell_spec, int64_t c_pp, int64_t c_p,
                                         int64_t c, bool reduces, bool reduction_prev)
    : cell(cell_spec), reduction(reduces) {
  preprocess0 = reduction_prev ? torch::nn::AnyModule(FactorizedReduce(c_pp, c))
                               : torch::nn::AnyModule(ReluConvBn(c_pp, c, 1, 1, 0));
  preprocess1 = torch::nn::AnyModule(ReluConvBn(c_p, c, 1, 1, 0));
  register_module("preprocess0", preprocess0.ptr());
  register_module("preprocess1", preprocess1.ptr());
  for (size_t n = 0; n < cell.nodes.size(); ++n) {
    for (int e = 0; e < 2; ++e) {
      const DartsEdge& edge = cell.nodes[n][e];
      // On a reduction cell, edges from the cell inputs halve the resolution.
      const int64_t stride = reduces && edge.input < 2 ? 2 : 1;
      ops.push_back(MakeDartsOp(edge.op, c, stride));
      register_module("node" + std::to_string(n) + "_edge" + std::to_string(e), ops.back().ptr());
    }
  }
}

torch::Tensor DartsCellModuleImpl::forward(torch::Tensor s0, torch::Tensor s1) {
  std::vector<torch::Tensor> states = {preprocess0.forward(s0), preprocess1.forward(s1)};
  for (size_t n = 0; n < cell.nodes.size(); ++n) {
    const auto& node = cell.nodes[n];
    states.push_back(ops[2 * n].forward(states[node[0].input]) +
                     ops[2 * n + 1].forward(states[node[1].input]));
  }
  return torch::cat(std::vector<torch::Tensor>(states.begin() + 2, states.end()), 1);
}

DartsNetworkImpl::DartsNetworkImpl(const DartsGenome& genome, const DartsNetworkOptions& options) {
  constexpr int64_t kStemMultiplier = 3;
  const absl::Status valid = ValidateDartsGenome(genome);
  TORCH_CHECK(valid.ok(), "DartsNetwork: invalid genome: ", valid.ToString());
  TORCH_CHECK(options.in_channels >= 1 && options.num_classes >= 1 && options.init_channels >= 1 &&
                  options.cells >= 1,
              "DartsNetwork: in_channels, num_classes, init_channels and cells must be >= 1");
  int64_t c = options.init_channels;
  const int64_t c_stem = kStemMultiplier * c;
  stem = register_module(
      "stem",
      torch::nn::Sequential(
          torch::nn::Conv2d(
              torch::nn::Conv2dOptions(options.in_channels, c_stem, 3).padding(1).bias(false)),
          torch::nn::BatchNorm2d(c_stem)));
  int64_t c_pp = c_stem, c_p = c_stem;
  bool reduction_prev = false;
  for (int64_t i = 0; i < options.cells; ++i) {
    const bool reduction = i == options.cells / 3 || i == 2 * options.cells / 3;
    if (reduction) c *= 2;
    const DartsCell& spec = reduction ? genome.reduce : genome.normal;
    cells.push_back(DartsCellModule(spec, c_pp, c_p, c, reduction, reduction_prev));
    register_module("cell" + std::to_string(i), cells.back());
    reduction_prev = reduction;
    c_pp = c_p;
    c_p = static_cast<int64_t>(spec.nodes.size()) * c;
  }
  classifier = register_module("classifier", torch::nn::Linear(c_p, options.num_classes));
}

torch::Tensor DartsNetworkImpl::forward(torch::Tensor x) {
  torch::Tensor s0 = stem->forward(x);
  torch::Tensor s1 = s0;
  for (auto& cell : cells) {
    torch::Tensor next = cell->forward(s0, s1);
    s0 = s1;
    s1 = next;
  }
  auto pooled = torch::adaptive_avg_pool2d(s1, {1, 1}).flatten(1);
  return classifier->forward(pooled);
}

}  // namespace nas
