// The plain network a TF-NAS genome describes, for training from scratch
// and for measuring its latency: stem, the genome's MBConv layers, head.
#ifndef NAS_WORKER_TFNAS_NETWORK_H_
#define NAS_WORKER_TFNAS_NETWORK_H_

#include "absl/status/statusor.h"
#include "common/genome/tfnas_genome.h"
#include "common/genome/tfnas_space.h"
#include "torch/torch.h"
#include "worker/tfnas/blocks.h"

namespace nas {

class TfNasNetworkImpl : public torch::nn::Module {
 public:
  // The genome must pass ValidateGenomeInSpace (BuildTfNasNetwork checks).
  TfNasNetworkImpl(const TfNasSpace& space, const TfNasGenome& genome);

  // [N, image_channels, image_size, image_size] -> logits [N, num_classes].
  torch::Tensor forward(const torch::Tensor& x);

 private:
  Stem stem_{nullptr};
  torch::nn::ModuleList layers_;
  Head head_{nullptr};
};
TORCH_MODULE(TfNasNetwork);

// INVALID_ARGUMENT (from ValidateGenomeInSpace) when the genome does not fit.
absl::StatusOr<TfNasNetwork> BuildTfNasNetwork(const TfNasSpace& space, const TfNasGenome& genome);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_NETWORK_H_
