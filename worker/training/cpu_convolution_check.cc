#include "worker/training/cpu_convolution_check.h"

#include <algorithm>
#include <vector>

#include "ATen/Context.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "torch/torch.h"

namespace nas {
namespace {

struct ConvolutionCase {
  int64_t in_channels, out_channels, kernel, dilation;
  bool depthwise;

  std::string Describe() const {
    return absl::StrCat(depthwise ? "depthwise " : "", kernel, "x", kernel,
                        dilation > 1 ? absl::StrCat(" dilation ", dilation) : "", ", ",
                        in_channels, " -> ", out_channels, " channels");
  }
};

std::vector<ConvolutionCase> Cases() {
  std::vector<ConvolutionCase> cases;
  for (int64_t c : {1, 2, 3, 8, 12, 16, 20, 24, 32, 40, 48, 64}) {
    cases.push_back({c, 16, 3, 1, false});
    cases.push_back({c, 24, 1, 1, false});
    cases.push_back({c, c, 3, 1, true});
    cases.push_back({c, c, 3, 2, true});
    cases.push_back({c, 16, 5, 1, false});
  }
  return cases;
}

struct Result {
  torch::Tensor output, weight_grad;
};

Result Run(const ConvolutionCase& c, const torch::Tensor& input, const torch::Tensor& weight) {
  torch::Tensor w = weight.detach().clone().requires_grad_(true);
  const int64_t padding = c.dilation * (c.kernel / 2);
  torch::Tensor out = torch::conv2d(input, w, {}, /*stride=*/1, padding, c.dilation,
                                    c.depthwise ? c.in_channels : 1);
  out.backward(torch::ones_like(out));
  return {out.detach(), w.grad().detach()};
}

}  // namespace

double RelativeConvolutionDifference(const torch::Tensor& got, const torch::Tensor& reference) {
  const double scale = std::max(reference.abs().max().item<double>(), 1e-12);
  return (got - reference).abs().max().item<double>() / scale;
}

CpuConvolutionCheck CheckCpuConvolutions() {
  CpuConvolutionCheck check;
  at::Context& context = at::globalContext();
  if (!at::hasMKLDNN() || !context.userEnabledMkldnn()) return check;
  check.onednn_used = true;
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(20261202);
  for (const ConvolutionCase& c : Cases()) {
    const torch::Tensor input = torch::randn({2, c.in_channels, 8, 8}, gen);
    const int64_t per_group = c.depthwise ? 1 : c.in_channels;
    const torch::Tensor weight = torch::randn({c.out_channels, per_group, c.kernel, c.kernel}, gen);
    context.setUserEnabledMkldnn(true);
    const Result onednn = Run(c, input, weight);
    context.setUserEnabledMkldnn(false);
    const Result reference = Run(c, input, weight);
    const double difference =
        std::max(RelativeConvolutionDifference(onednn.output, reference.output),
                 RelativeConvolutionDifference(onednn.weight_grad, reference.weight_grad));
    if (difference > check.worst_relative_difference) {
      check.worst_relative_difference = difference;
      check.worst_case = c.Describe();
    }
  }
  check.onednn_disabled = check.worst_relative_difference > kCpuConvolutionTolerance;
  context.setUserEnabledMkldnn(!check.onednn_disabled);
  return check;
}

std::string DescribeCpuConvolutionCheck(const CpuConvolutionCheck& check) {
  if (!check.onednn_used) {
    return "CPU convolutions: LibTorch's own kernels (no oneDNN in this LibTorch, or it is off)";
  }
  const std::string worst =
      absl::StrFormat("largest relative difference %.3g (%s)", check.worst_relative_difference,
                      check.worst_case);
  if (check.onednn_disabled) {
    return absl::StrCat(
        "CPU convolutions: oneDNN's results are WRONG on this machine (", worst,
        " against LibTorch's own kernels, tolerance ", kCpuConvolutionTolerance,
        "): oneDNN is turned off for this process; training is correct but slower");
  }
  return absl::StrCat("CPU convolutions: oneDNN agrees with LibTorch's own kernels (", worst, ")");
}

}  // namespace nas
