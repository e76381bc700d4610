// The network a DARTS-cell genome describes: a stem, `cells` stacked cells
// (reduction cells, which halve the resolution and double the channels, at
// 1/3 and 2/3 of the depth), global average pooling and a linear classifier.
#ifndef NAS_WORKER_MODEL_DARTS_NETWORK_H_
#define NAS_WORKER_MODEL_DARTS_NETWORK_H_

#include <vector>

#include "common/genome/darts_genome.h"
#include "torch/torch.h"

namespace nas {

// One cell: preprocesses its two inputs to `channels`, computes each node as
// the sum of its two edges' ops, and concatenates the nodes.
struct DartsCellModuleImpl : torch::nn::Module {
  DartsCellModuleImpl(const DartsCell& cell, int64_t channels_prev_prev,
                      int64_t channels_prev, int64_t channels, bool reduction,
                      bool reduction_prev);
  torch::Tensor forward(torch::Tensor s0, torch::Tensor s1);

  DartsCell cell;
  torch::nn::AnyModule preprocess0, preprocess1;
  std::vector<torch::nn::AnyModule> ops;  // Two per node, in node order.
};
TORCH_MODULE(DartsCellModule);

struct DartsNetworkOptions {
  int64_t in_channels = 1;
  int64_t num_classes = 10;
  int64_t init_channels = 16;  // C; the stem has 3C.
  int64_t cells = 8;
};

struct DartsNetworkImpl : torch::nn::Module {
  // `genome` must be valid (ValidateDartsGenome).
  DartsNetworkImpl(const DartsGenome& genome, const DartsNetworkOptions& options);
  // [N, in_channels, H, W] -> logits [N, num_classes]. H, W >= 4 for 3+ cells.
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Sequential stem{nullptr};
  std::vector<DartsCellModule> cells;
  torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(DartsNetwork);

// Trainable parameters (those with requires_grad).
int64_t CountParameters(const torch::nn::Module& module);

}  // namespace nas

#endif  // NAS_WORKER_MODEL_DARTS_NETWORK_H_
