#include "worker/nash/test_nets.h"

#include <cmath>

namespace nas {
namespace {

torch::Tensor Uniform(const torch::Tensor& like, double lo, double hi, torch::Generator& gen) {
  return torch::rand(like.sizes(), gen, torch::kFloat64) * (hi - lo) + lo;
}

}  // namespace

void RandomizeWeights(ConvNet& net, uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(seed);
  for (ConvBnRelu& layer : net->layers) {
    if (layer.is_empty()) continue;
    torch::Tensor w = layer->conv->weight;
    const double fan_in = static_cast<double>(w[0].numel());
    w.copy_(torch::randn(w.sizes(), gen, torch::kFloat64) * std::sqrt(2.0 / fan_in));
    torch::nn::BatchNorm2d& bn = layer->bn;
    bn->weight.copy_(Uniform(bn->weight, -0.5, 1.5, gen));
    bn->bias.copy_(Uniform(bn->bias, -0.5, 0.5, gen));
    bn->running_mean.copy_(Uniform(bn->running_mean, -0.5, 0.5, gen));
    bn->running_var.copy_(Uniform(bn->running_var, 0.25, 2.0, gen));
    bn->num_batches_tracked.fill_(torch::randint(1, 1000, {1}, gen).item<int64_t>());
  }
  for (torch::Tensor& lambda : net->lambdas) {
    if (lambda.defined()) lambda.copy_(Uniform(lambda, -1, 1, gen));
  }
  torch::Tensor w = net->classifier->weight;
  w.copy_(torch::randn(w.sizes(), gen, torch::kFloat64) /
          std::sqrt(static_cast<double>(w.size(1))));
  net->classifier->bias.copy_(Uniform(net->classifier->bias, -0.1, 0.1, gen));
}

}  // namespace nas
