// The building blocks of TF-NAS networks as LibTorch modules: the MBConv
// (inverted residual) block with an optional mid-channel mask for elastic
// width, the stem and the head. Supernet, derived network and latency
// measurement all build from these, so a table measures what is trained.
#ifndef NAS_WORKER_TFNAS_BLOCKS_H_
#define NAS_WORKER_TFNAS_BLOCKS_H_

#include "common/genome/tfnas_space.h"
#include "torch/torch.h"

namespace nas {

struct MbConvOptions {
  int in_channels = 0, mid_channels = 0, out_channels = 0;
  int kernel = 3, stride = 1;
  bool swish = false;   // Else ReLU.
  bool expand = true;   // False: no 1x1 expansion, mid_channels = in_channels.
  int se_channels = 0;  // > 0: squeeze-and-excitation with this bottleneck.
};

// 1x1 expansion -> BN -> act -> kxk depthwise -> BN -> act -> [SE] -> 1x1
// projection -> BN, plus the input when the shape is kept. SE, as the
// reference's MBInvertedResBlock: global average pool, 1x1 conv (with bias)
// to se_channels, the block's activation, 1x1 conv (with bias) back to the
// mid channels, sigmoid; the mid channels are multiplied by that gate.
class MbConvImpl : public torch::nn::Module {
 public:
  explicit MbConvImpl(const MbConvOptions& options);

  // `mid_mask` ([mid_channels], 0/1) zeroes mid channels after both
  // activations, so the block computes exactly what a block with only the
  // kept channels would; undefined keeps all.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mid_mask = {});

  const MbConvOptions& options() const { return options_; }
  // [mid_channels, 1, k, k]: its per-channel L1 norm ranks channel importance.
  const torch::Tensor& depthwise_weight() const { return depthwise_->weight; }
  // The SE convs (null without SE): [se, mid, 1, 1] and [mid, se, 1, 1].
  const torch::nn::Conv2d& se_reduce() const { return se_reduce_; }
  const torch::nn::Conv2d& se_expand() const { return se_expand_; }

 private:
  MbConvOptions options_;
  torch::nn::Conv2d expand_{nullptr};
  torch::nn::BatchNorm2d expand_bn_{nullptr};
  torch::nn::Conv2d depthwise_{nullptr};
  torch::nn::BatchNorm2d depthwise_bn_{nullptr};
  torch::nn::Conv2d se_reduce_{nullptr};
  torch::nn::Conv2d se_expand_{nullptr};
  torch::nn::Conv2d project_{nullptr};
  torch::nn::BatchNorm2d project_bn_{nullptr};
};
TORCH_MODULE(MbConv);

// 3x3 conv (image -> stem channels) -> BN -> ReLU, then an MBConv without
// expansion to first_block_channels.
class StemImpl : public torch::nn::Module {
 public:
  explicit StemImpl(const TfNasSpace& space);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
  MbConv block_{nullptr};
};
TORCH_MODULE(Stem);

// 1x1 conv to head channels -> BN -> swish -> global average pool -> linear.
class HeadImpl : public torch::nn::Module {
 public:
  explicit HeadImpl(const TfNasSpace& space);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(Head);

// The MBConv of op `op` at a layer position of the space, `mid_channels`
// wide (SE bottleneck SeChannels(in_channels, op), whatever the width).
MbConvOptions LayerBlockOptions(const TfNasSpace& space, int stage, int layer, const TfNasOp& op,
                                int mid_channels);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_BLOCKS_H_
