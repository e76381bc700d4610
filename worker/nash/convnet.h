// The LibTorch network a ConvNetGenome describes (common/genome/
// convnet_genome.h has the semantics): Conv-BN-ReLU and max-pool layers,
// additive skips with a learnt scalar lambda each, concatenating skips, then
// global average pooling and a linear classifier. Every submodule and lambda
// is registered, so parameters(), buffers(), to(device), train()/eval() and
// torch::save see the whole network. Not thread-safe (a torch::nn::Module).
//
// Registered names (stable: checkpoints and weight morphisms rely on them):
//   layer<i>.conv.weight            [w, in_i, k, k] (no bias)
//   layer<i>.bn.{weight,bias,running_mean,running_var,num_batches_tracked}
//   add_<from>_<to>                 0-dim lambda of skip add(from,to)
//   classifier.{weight,bias}        [num_classes, in_head], [num_classes]
#ifndef NAS_WORKER_NASH_CONVNET_H_
#define NAS_WORKER_NASH_CONVNET_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/convnet_genome.h"
#include "torch/torch.h"
#include "worker/model/parameter_count.h"

namespace nas {

// Conv (k x k, stride 1, padding k / 2, no bias) -> BatchNorm -> ReLU.
struct ConvBnReluImpl : torch::nn::Module {
  ConvBnReluImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(ConvBnRelu);

struct ConvNetImpl : torch::nn::Module {
  // `genome` must be valid (ValidateConvNetGenome), in_channels in
  // 1..kMaxConvNetChannels and num_classes >= 1; otherwise throws c10::Error
  // (MakeConvNet validates first). New weights use LibTorch's default
  // initialisation (the global generator); lambdas start at 0.
  ConvNetImpl(const ConvNetGenome& genome, int64_t in_channels, int64_t num_classes);

  // [N, in_channels, H, W] -> logits [N, num_classes], any H, W >= 1 (each
  // pool maps a side s to ceil(s / 2)). The input's dtype must match the
  // parameters' (float32 unless the caller converted the net).
  torch::Tensor forward(torch::Tensor x);

  const ConvNetGenome genome;  // Canonical.
  const int64_t in_channels;
  const int64_t num_classes;
  const ConvNetChannels channels;
  std::vector<ConvBnRelu> layers;      // layers[i] is empty for a pool.
  std::vector<torch::Tensor> lambdas;  // Per genome.skips[s]; undefined for a concat.
  torch::nn::Linear classifier{nullptr};

 private:
  // What consumer j (layers.size() = the head) reads, given the data x and
  // the layer outputs so far.
  torch::Tensor ConsumerInput(int j, const torch::Tensor& x,
                              const std::vector<torch::Tensor>& outs);
};
TORCH_MODULE(ConvNet);

// ConvNet(genome, in_channels, num_classes), or INVALID_ARGUMENT naming what
// is wrong (RESOURCE_EXHAUSTED if the weights do not fit in memory).
absl::StatusOr<ConvNet> MakeConvNet(const ConvNetGenome& genome, int64_t in_channels,
                                    int64_t num_classes);

// Converts the floating-point parameters and buffers of `module` to `dtype`
// in place, leaving integer buffers (BatchNorm's num_batches_tracked) as
// they are; Module::to(dtype) would convert those too.
void ConvertFloatingPoint(torch::nn::Module& module, torch::ScalarType dtype);

// The name of skip s's lambda ("add_<from>_<to>").
std::string LambdaName(const ConvNetSkip& skip);

}  // namespace nas

#endif  // NAS_WORKER_NASH_CONVNET_H_
