// The candidate operations of the DARTS cell space, as LibTorch modules
// (evaluation form, as in DARTS's retraining network): separable and dilated
// convolutions, 3x3 pools, identity, and the factorized reduction that
// halves the spatial size of a skip connection.
#ifndef NAS_WORKER_MODEL_DARTS_OPS_H_
#define NAS_WORKER_MODEL_DARTS_OPS_H_

#include "common/genome/darts_genome.h"
#include "torch/torch.h"

namespace nas {

// ReLU -> conv (k x k) -> BatchNorm.
struct ReluConvBnImpl : torch::nn::Module {
  ReluConvBnImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Sequential body{nullptr};
};
TORCH_MODULE(ReluConvBn);

// Halves H and W with two stride-2 1x1 convs on offset grids, concatenated.
struct FactorizedReduceImpl : torch::nn::Module {
  FactorizedReduceImpl(int64_t in, int64_t out);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(FactorizedReduce);

// One op of a cell edge, `channels` in and out; `stride` (1 or 2) is 2 on
// reduction-cell edges from the cell inputs. Shapes: [N, C, H, W] ->
// [N, C, ceil(H / stride), ceil(W / stride)]. As in DARTS's evaluation ops:
// sep_conv = two ReLU-depthwise-pointwise-BN blocks (stride on the first),
// dil_conv = one such block with dilation 2, pools 3x3 padding 1 (avg without
// counting the padding), skip_connect = identity, or FactorizedReduce at stride 2.
torch::nn::AnyModule MakeDartsOp(DartsOp op, int64_t channels, int64_t stride);

}  // namespace nas

#endif  // NAS_WORKER_MODEL_DARTS_OPS_H_
