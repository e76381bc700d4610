#include "worker/export/random_weights.h"

#include <cmath>
#include <string>

namespace nas {

void RandomizeAllWeights(torch::nn::Module& net, uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(seed);
  auto randomize = [&](const std::string& name, torch::Tensor& t) {
    if (!t.is_floating_point()) return;
    torch::Tensor v;
    if (name.find("running_var") != std::string::npos) {
      v = torch::rand(t.sizes(), gen) * 1.5 + 0.5;
    } else {
      v = torch::randn(t.sizes(), gen) * 0.5;
      if (t.dim() == 4) v *= 2.0 / std::sqrt(static_cast<double>(t[0].numel()));
    }
    t.copy_(v.to(t.options()));
  };
  for (auto& p : net.named_parameters()) randomize(p.key(), p.value());
  for (auto& b : net.named_buffers()) randomize(b.key(), b.value());
}

}  // namespace nas
