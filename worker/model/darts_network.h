// The network a DARTS-cell genome describes, as in DARTS's evaluation network
// (Liu et al. 2019, without auxiliary head or drop-path): a 3x3 conv + BN stem
// with 3C channels, `cells` stacked cells, global average pooling and a
// linear classifier. Cells at indices cells/3 and 2*cells/3 are reduction
// cells: their ops on the two cell inputs use stride 2 (halving H and W,
// rounding up) and they double the channel count C. Every submodule is
// registered, so parameters(), to(device), train()/eval() and torch::save
// see the whole network. Not thread-safe (a torch::nn::Module).
#ifndef NAS_WORKER_MODEL_DARTS_NETWORK_H_
#define NAS_WORKER_MODEL_DARTS_NETWORK_H_

#include <vector>

#include "common/genome/darts_genome.h"
#include "torch/torch.h"
#include "worker/model/parameter_count.h"

namespace nas {

// One cell: preprocesses its two inputs to `channels` (ReLU-1x1 conv-BN, or a
// FactorizedReduce of c_{k-2} when the previous cell reduced), computes each
// node as the sum of its two edges' ops, and concatenates the nodes:
// nodes * channels output channels.
struct DartsCellModuleImpl : torch::nn::Module {
  DartsCellModuleImpl(const DartsCell& cell, int64_t channels_prev_prev, int64_t channels_prev,
                      int64_t channels, bool reduces, bool reduction_prev);
  torch::Tensor forward(torch::Tensor s0, torch::Tensor s1);

  DartsCell cell;
  bool reduction = false;
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
  // `genome` must be valid (ValidateDartsGenome) and every option >= 1;
  // otherwise throws c10::Error (callers validate first).
  DartsNetworkImpl(const DartsGenome& genome, const DartsNetworkOptions& options);
  // [N, in_channels, H, W] -> logits [N, num_classes]. Any H, W >= 1 works:
  // each reduction maps a side s to ceil(s / 2), so 8x8 digits with 3 cells
  // go 8 -> 4 -> 2.
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Sequential stem{nullptr};
  std::vector<DartsCellModule> cells;
  torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(DartsNetwork);


}  // namespace nas

#endif  // NAS_WORKER_MODEL_DARTS_NETWORK_H_
