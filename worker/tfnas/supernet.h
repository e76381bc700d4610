// The TF-NAS supernet: every layer position of the space holds all candidate
// ops (MBConv, kernel x expansion x SE) at their widest, each with a mid-channel
// mask for elastic width; every stage sums its layers' outputs into a sink
// weighted by learned depth parameters (no skip op).
//
// Architecture parameters: per layer log_alphas over ops (kept a log
// probability distribution), per stage betas over depths 1..max_layers.
// Weights train on bi-sampled paths, architecture parameters on the Gumbel-
// softmax mixture plus the latency loss of the expected latency.
#ifndef NAS_WORKER_TFNAS_SUPERNET_H_
#define NAS_WORKER_TFNAS_SUPERNET_H_

#include <vector>

#include "common/genome/tfnas_genome.h"
#include "common/genome/tfnas_space.h"
#include "torch/torch.h"
#include "worker/tfnas/blocks.h"
#include "worker/tfnas/latency_target.h"

namespace nas {

// One op per layer position (flattened stage by stage, max_layers each).
struct PathChoice {
  std::vector<int> ops;
  // Per layer a scalar multiplying the op's output (value 1, straight-through
  // Gumbel gradient to log_alphas), or undefined for a plain 1.
  std::vector<torch::Tensor> weights;
};

// TF-NAS bi-sampling: per layer one op drawn by hard Gumbel-softmax and one
// drawn uniformly from the remaining ops (so the two always differ).
struct BiSample {
  PathChoice gumbel;
  PathChoice random;
};

class MixedLayerImpl : public torch::nn::Module {
 public:
  MixedLayerImpl(const TfNasSpace& space, int stage, int layer);

  torch::Tensor ForwardOp(const torch::Tensor& x, int op);
  int num_ops() const { return static_cast<int>(ops_.size()); }
  int width(int op) const { return widths_[op]; }
  const torch::Tensor& mask(int op) const { return masks_[op]; }
  // Keeps the `width` mid channels of `op` with the largest L1 norm of
  // their depthwise kernels (the learned importance); width is clamped to
  // 1..max.
  void SetWidth(int op, int width);
  // After loading a saved state into the masks: the widths follow them.
  void WidthsFromMasks();

  torch::Tensor log_alphas;  // [num_ops]

 private:
  std::vector<MbConv> ops_;
  std::vector<torch::Tensor> masks_;  // Buffers, [max mid channels] of 0/1.
  std::vector<int> widths_;
};
TORCH_MODULE(MixedLayer);

class TfNasSupernetImpl : public torch::nn::Module {
 public:
  // Widths start at expansion x in_channels (MidChannelRange initial), ops
  // are built at MidChannelRange max.
  explicit TfNasSupernetImpl(const TfNasSpace& space);

  torch::Tensor ForwardPath(const torch::Tensor& x, const PathChoice& path);
  // Every op weighted by a soft Gumbel-softmax of log_alphas at `temperature`.
  // The Gumbel noise, and the samples below, are drawn from `gen` (a CPU
  // generator of the search's own, never LibTorch's process-wide one).
  torch::Tensor ForwardMixture(const torch::Tensor& x, double temperature, torch::Generator& gen);

  BiSample SampleBiPaths(double temperature, torch::Generator& gen);
  PathChoice ArgmaxPath() const;

  // base + sum over stages of E_depth[sum of the kept layers' E_op[latency at
  // the op's current width]], under softmax(betas) and softmax(log_alphas):
  // a scalar tensor differentiable in the architecture parameters.
  torch::Tensor ExpectedLatency(const SpaceLatencies& latencies) const;

  std::vector<torch::Tensor> arch_parameters() const;  // log_alphas (layer order), then betas.
  std::vector<torch::Tensor> weight_parameters() const;
  // Re-normalises log_alphas to log probabilities (after an optimizer step).
  void NormalizeLogAlphas();

  ArchDistribution Distribution() const;
  std::vector<std::vector<std::vector<int>>> Widths() const;  // [stage][layer][op]
  // Sets the mask of each genome layer's op to the layer's width.
  void ApplyWidths(const TfNasGenome& genome);
  // After loading a saved state (the masks are buffers): every layer's
  // widths follow its masks.
  void WidthsFromMasks();

  const TfNasSpace& space() const { return space_; }
  MixedLayer& layer(int stage, int layer) { return layers_[stage][layer]; }
  const torch::Tensor& betas(int stage) const { return betas_[stage]; }
  int num_layers() const { return num_layers_; }

 private:
  torch::Tensor ForwardStages(
      const torch::Tensor& x,
      const std::function<torch::Tensor(MixedLayer&, int, const torch::Tensor&)>& layer_fn);

  TfNasSpace space_;
  Stem stem_{nullptr};
  std::vector<std::vector<MixedLayer>> layers_;
  std::vector<torch::Tensor> betas_;  // Per stage [max_layers].
  Head head_{nullptr};
  int num_layers_ = 0;
};
TORCH_MODULE(TfNasSupernet);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_SUPERNET_H_
