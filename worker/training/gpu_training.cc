#include "worker/training/gpu_training.h"

#include "ATen/autocast_mode.h"
#include "absl/strings/str_join.h"
#include "worker/training/torch_compat.h"

namespace nas {

GpuTraining GpuTrainingFromSpec(const v1::GpuOptions& spec) {
  GpuTraining gpu;
  switch (spec.precision()) {
    case v1::GpuOptions::BF16:
      gpu.precision = GpuTraining::Precision::kBFloat16;
      break;
    case v1::GpuOptions::FP16:
      gpu.precision = GpuTraining::Precision::kFloat16;
      break;
    default:
      gpu.precision = GpuTraining::Precision::kFloat32;
  }
  gpu.channels_last = spec.channels_last();
  gpu.cudnn_benchmark = spec.cudnn_benchmark();
  return gpu;
}

GpuTraining GpuTrainingFor(const GpuTraining& requested, const torch::Device& device,
                           std::ostream& log) {
  if (device.is_cuda() || !requested.any()) return requested;
  std::vector<std::string> ignored;
  if (requested.precision == GpuTraining::Precision::kBFloat16) ignored.push_back("precision BF16");
  if (requested.precision == GpuTraining::Precision::kFloat16) ignored.push_back("precision FP16");
  if (requested.channels_last) ignored.push_back("channels_last");
  if (requested.cudnn_benchmark) ignored.push_back("cudnn_benchmark");
  log << "training.gpu: " << absl::StrJoin(ignored, ", ") << " ignored on " << device.str()
      << " (GPU options apply to CUDA devices only); training in float32" << std::endl;
  return GpuTraining{};
}

void ApplyCudnnBenchmark(const GpuTraining& gpu) {
  if (gpu.cudnn_benchmark) at::globalContext().setBenchmarkCuDNN(true);
}

void ToChannelsLast(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (torch::Tensor& p : module.parameters()) {
    if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

AutocastScope::AutocastScope(GpuTraining::Precision precision) {
  if (precision == GpuTraining::Precision::kFloat32) return;
  active_ = true;
  was_enabled_ = CudaAutocastEnabled();
  previous_dtype_ = CudaAutocastDtype();
  SetCudaAutocastDtype(precision == GpuTraining::Precision::kBFloat16 ? at::kBFloat16 : at::kHalf);
  SetCudaAutocastEnabled(true);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // Casts cached for this forward pass are freed when the outermost scope ends.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  SetCudaAutocastEnabled(was_enabled_);
  SetCudaAutocastDtype(previous_dtype_);
}

bool LossScaler::UnscaleAndUpdate(const std::vector<torch::Tensor>& parameters) {
  torch::NoGradGuard no_grad;
  bool finite = true;
  for (const torch::Tensor& p : parameters) {
    if (!p.grad().defined()) continue;
    p.mutable_grad().div_(scale_);
    if (finite && !torch::isfinite(p.grad()).all().item<bool>()) finite = false;
  }
  if (!finite) {
    scale_ /= 2;
    good_steps_ = 0;
    ++skipped_steps_;
    return false;
  }
  if (++good_steps_ >= growth_interval_) {
    scale_ *= 2;
    good_steps_ = 0;
  }
  return true;
}

}  // namespace nas
