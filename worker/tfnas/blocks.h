// The building blocks of TF-NAS networks as LibTorch modules: the MBConv
// (inverted residual) block with an optional mid-channel mask for elastic
// width, the stem and the head. Supernet, derived network and latency
// measurement all build from these, so a table measures what is trained.
#ifndef NAS_WORKER_TFNAS_BLOCKS_H_
#define NAS_WORKER_TFNAS_BLOCKS_H_

#include "torch/torch.h"
#include "common/genome/tfnas_space.h"

namespace nas {

struct MbConvOptions {
  int in_channels = 0, mid_channels = 0, out_channels = 0;
  int kernel = 3, stride = 1;
  bool swish = false;  // Else ReLU.
  bool expand = true;  // False: no 1x1 expansion, mid_channels = in_channels.
};

// 1x1 expansion -> BN -> act -> kxk depthwise -> BN -> act -> 1x1 projection
// -> BN, plus the input when the shape is kept.
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

 private:
  MbConvOptions options_;
  torch::nn::Conv2d expand_{nullptr};
  torch::nn::BatchNorm2d expand_bn_{nullptr};
  torch::nn::Conv2d depthwise_{nullptr};
  torch::nn::BatchNorm2d depthwise_bn_{nullptr};
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

// The MBConv of a genome layer at its position in the space.
MbConvOptions LayerBlockOptions(const TfNasSpace& space, int stage, int layer, int kernel,
                                int mid_channels);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_BLOCKS_H_
