// The candidate operations of the DARTS cell space, as LibTorch modules:
// separable and dilated convolutions, 3x3 pools, identity, and the factorized
// reduction that halves the spatial size of a skip connection. In the
// evaluation form of DARTS's retraining network, or the search form of its
// supernet.
#ifndef NAS_WORKER_MODEL_DARTS_OPS_H_
#define NAS_WORKER_MODEL_DARTS_OPS_H_

#include "common/genome/darts_genome.h"
#include "torch/torch.h"

namespace nas {

// kEvaluation: BatchNorm with affine parameters. kSearch, as the DARTS and
// PC-DARTS reference code search: BatchNorm without them, and each pool
// followed by one, so that the architecture weights alone scale each op's
// output and pools compete with the parametric ops on equal, normalised terms.
enum class DartsOpForm { kEvaluation, kSearch };

// ReLU -> conv (k x k) -> BatchNorm (affine unless `affine` is false).
struct ReluConvBnImpl : torch::nn::Module {
  ReluConvBnImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                 bool affine = true);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Sequential body{nullptr};
};
TORCH_MODULE(ReluConvBn);

// Halves H and W with two stride-2 1x1 convs on offset grids, concatenated.
struct FactorizedReduceImpl : torch::nn::Module {
  FactorizedReduceImpl(int64_t in, int64_t out, bool affine = true);
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
torch::nn::AnyModule MakeDartsOp(DartsOp op, int64_t channels, int64_t stride,
                                 DartsOpForm form = DartsOpForm::kEvaluation);

}  // namespace nas

#endif  // NAS_WORKER_MODEL_DARTS_OPS_H_
