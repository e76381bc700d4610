#include "worker/tfnas/network.h"

#include "common/status/status_macros.h"

namespace nas {

TfNasNetworkImpl::TfNasNetworkImpl(const TfNasSpace& space, const TfNasGenome& genome) {
  stem_ = register_module("stem", Stem(space));
  for (size_t s = 0; s < genome.stages.size(); ++s) {
    const auto& layers = genome.stages[s].layers;
    for (size_t l = 0; l < layers.size(); ++l) {
      const TfNasOp op{layers[l].kernel, layers[l].expansion, layers[l].se};
      layers_->push_back(MbConv(LayerBlockOptions(space, s, l, op, layers[l].mid_channels)));
    }
  }
  register_module("layers", layers_);
  head_ = register_module("head", Head(space));
}

torch::Tensor TfNasNetworkImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = stem_(x);
  for (const auto& layer : *layers_) h = layer->as<MbConvImpl>()->forward(h);
  return head_(h);
}

absl::StatusOr<TfNasNetwork> BuildTfNasNetwork(const TfNasSpace& space, const TfNasGenome& genome) {
  RETURN_IF_ERROR(ValidateGenomeInSpace(space, genome));
  return TfNasNetwork(space, genome);
}

}  // namespace nas
