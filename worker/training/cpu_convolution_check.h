#ifndef NAS_WORKER_TRAINING_CPU_CONVOLUTION_CHECK_H_
#define NAS_WORKER_TRAINING_CPU_CONVOLUTION_CHECK_H_

#include <cstdint>
#include <string>

#include "torch/torch.h"

namespace nas {

// Whether oneDNN, which LibTorch uses for CPU convolutions, computes them right
// on this machine. Some builds do not: Debian 13's LibTorch 2.6 with its oneDNN
// 3.6, on an AMD EPYC, gives convolutions with 12, 20, 24 or 40 input channels
// that are 30-50% off, with its AVX2 and its AVX-512 kernels alike. A worker
// that trained with them would report fitness of the wrong function, and a
// morphism child would no longer compute its parent's function.
struct CpuConvolutionCheck {
  bool onednn_used = false;  // This LibTorch has oneDNN and it was enabled.
  // The largest difference of oneDNN's results (outputs and weight gradients)
  // from LibTorch's own kernels', relative to the largest reference value.
  double worst_relative_difference = 0;
  std::string worst_case;     // The convolution that gave it.
  bool onednn_disabled = false;  // The difference was too large: turned off.
};

// oneDNN's results may differ from the reference by this much (float32
// summation order); a wrong kernel is off by tens of percent.
inline constexpr double kCpuConvolutionTolerance = 1e-3;

// How far `got` is from `reference`: the largest absolute difference relative
// to the largest reference value, the measure kCpuConvolutionTolerance bounds.
double RelativeConvolutionDifference(const torch::Tensor& got, const torch::Tensor& reference);

// Runs small convolutions of the kinds the networks use (dense, 1x1,
// depthwise, dilated depthwise; input channels 1 to 64) forward and backward
// with oneDNN and with LibTorch's own kernels, and turns oneDNN off for the
// whole process when any differs by more than kCpuConvolutionTolerance.
// Call once at start-up, before training on the CPU (it toggles a global).
CpuConvolutionCheck CheckCpuConvolutions();

// One log line: what was compared and what it means for this process.
std::string DescribeCpuConvolutionCheck(const CpuConvolutionCheck& check);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_CPU_CONVOLUTION_CHECK_H_
