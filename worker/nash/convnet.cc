#include "worker/nash/convnet.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "worker/errors/torch_errors.h"

namespace nas {
namespace {

// Checks before ComputeChannels, which indexes by the genome's skip ends.
ConvNetChannels ValidatedChannels(const ConvNetGenome& genome, int64_t in_channels,
                                  int64_t num_classes) {
  const absl::Status valid = ValidateConvNetGenome(genome);
  TORCH_CHECK(valid.ok(), "ConvNet: invalid genome: ", valid.ToString());
  TORCH_CHECK(in_channels >= 1 && in_channels <= kMaxConvNetChannels && num_classes >= 1,
              "ConvNet: in_channels must be in 1..", kMaxConvNetChannels, " and num_classes >= 1");
  return ComputeChannels(genome, static_cast<int>(in_channels));
}

}  // namespace

ConvBnReluImpl::ConvBnReluImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size) {
  conv = register_module(
      "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, kernel_size)
                                    .padding(kernel_size / 2)
                                    .bias(false)));
  bn = register_module("bn", torch::nn::BatchNorm2d(out_channels));
}

torch::Tensor ConvBnReluImpl::forward(torch::Tensor x) {
  return torch::relu(bn->forward(conv->forward(x)));
}

ConvNetImpl::ConvNetImpl(const ConvNetGenome& genome_in, int64_t in_channels_in,
                         int64_t num_classes_in)
    : genome(Canonicalize(genome_in)),
      in_channels(in_channels_in),
      num_classes(num_classes_in),
      channels(ValidatedChannels(genome, in_channels_in, num_classes_in)) {
  for (int i = 0; i < genome.num_layers(); ++i) {
    const ConvNetLayer& l = genome.layers[i];
    if (l.kind == ConvNetLayerKind::kPool) {
      layers.push_back(ConvBnRelu(nullptr));
      continue;
    }
    layers.push_back(ConvBnRelu(channels.in[i], l.width, l.kernel_size));
    register_module(absl::StrCat("layer", i), layers.back());
  }
  for (const ConvNetSkip& s : genome.skips) {
    lambdas.push_back(s.kind == ConvNetSkipKind::kAdd
                          ? register_parameter(LambdaName(s), torch::zeros({}))
                          : torch::Tensor());
  }
  classifier = register_module("classifier", torch::nn::Linear(channels.in.back(), num_classes));
}

torch::Tensor ConvNetImpl::ConsumerInput(int j, const torch::Tensor& x,
                                         const std::vector<torch::Tensor>& outs) {
  torch::Tensor main = j == 0 ? x : outs[j - 1];
  std::vector<torch::Tensor> parts;
  // Canonical skip order: adds and concats into j in ascending `from`, the
  // order weight morphisms assume for the concatenated channels.
  for (size_t s = 0; s < genome.skips.size(); ++s) {
    const ConvNetSkip& skip = genome.skips[s];
    if (skip.to != j) continue;
    if (skip.kind == ConvNetSkipKind::kAdd) {
      main = main + lambdas[s] * outs[skip.from];
    } else {
      parts.push_back(outs[skip.from]);
    }
  }
  if (parts.empty()) return main;
  parts.insert(parts.begin(), main);
  return torch::cat(parts, 1);
}

torch::Tensor ConvNetImpl::forward(torch::Tensor x) {
  const int n = genome.num_layers();
  std::vector<torch::Tensor> outs;
  outs.reserve(n);
  for (int j = 0; j < n; ++j) {
    torch::Tensor in = ConsumerInput(j, x, outs);
    if (genome.layers[j].kind == ConvNetLayerKind::kPool) {
      // Ceil mode: odd sides keep their last row and column, and 1 stays 1.
      outs.push_back(torch::max_pool2d(in, {2, 2}, {2, 2}, {0, 0}, {1, 1}, /*ceil_mode=*/true));
    } else {
      outs.push_back(layers[j]->forward(in));
    }
  }
  torch::Tensor features = torch::adaptive_avg_pool2d(ConsumerInput(n, x, outs), {1, 1});
  return classifier->forward(features.flatten(1));
}

absl::StatusOr<ConvNet> MakeConvNet(const ConvNetGenome& genome, int64_t in_channels,
                                    int64_t num_classes) {
  const absl::Status valid = ValidateConvNetGenome(genome);
  if (!valid.ok()) return valid;
  if (in_channels < 1 || in_channels > kMaxConvNetChannels || num_classes < 1) {
    return absl::InvalidArgumentError(absl::StrCat("in_channels ", in_channels, " must be in 1..",
                                                   kMaxConvNetChannels, " and num_classes ",
                                                   num_classes, " >= 1"));
  }
  return CallGuarded("building the network", [&]() -> absl::StatusOr<ConvNet> {
    return ConvNet(genome, in_channels, num_classes);
  });
}

void ConvertFloatingPoint(torch::nn::Module& module, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  for (torch::Tensor t : module.parameters()) {
    if (t.is_floating_point()) t.set_data(t.to(dtype));
  }
  for (torch::Tensor t : module.buffers()) {
    if (t.is_floating_point()) t.set_data(t.to(dtype));
  }
}

std::string LambdaName(const ConvNetSkip& skip) {
  return absl::StrCat("add_", skip.from, "_", skip.to);
}

}  // namespace nas
