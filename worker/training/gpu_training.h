// The GPU options of a training run (nas.v1.GpuOptions): mixed precision
// (bfloat16 autocast; float16 autocast with dynamic loss scaling),
// channels-last memory format and cuDNN autotuning. Only CUDA devices use
// them; on the CPU they are ignored, with one log line saying which.
#ifndef NAS_WORKER_TRAINING_GPU_TRAINING_H_
#define NAS_WORKER_TRAINING_GPU_TRAINING_H_

#include <ostream>
#include <string>
#include <vector>

#include "proto/search.pb.h"
#include "torch/torch.h"

namespace nas {

struct GpuTraining {
  enum class Precision { kFloat32, kBFloat16, kFloat16 };
  Precision precision = Precision::kFloat32;
  bool channels_last = false;
  bool cudnn_benchmark = false;

  bool any() const { return precision != Precision::kFloat32 || channels_last || cudnn_benchmark; }
};

GpuTraining GpuTrainingFromSpec(const v1::GpuOptions& spec);

// What of `requested` applies on `device`: all of it on CUDA; nothing on any
// other device, and then, when something was asked for, one line on `log`
// naming what is ignored and why.
GpuTraining GpuTrainingFor(const GpuTraining& requested, const torch::Device& device,
                           std::ostream& log);

// Switches cuDNN autotuning on when asked (a process-wide setting; never
// switched off again, as other slots may rely on it).
void ApplyCudnnBenchmark(const GpuTraining& gpu);

// Puts the 4-D weights of `module` in channels-last memory format, in place.
void ToChannelsLast(torch::nn::Module& module);

// Autocast of the CUDA forward pass in bfloat16 or float16 while in scope,
// on this thread only; does nothing for kFloat32. Not copyable.
class AutocastScope {
 public:
  explicit AutocastScope(GpuTraining::Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool was_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kHalf;
};

// Dynamic loss scaling for float16 training: gradients of a loss scaled up
// so small ones do not flush to zero, divided back before the step; a step
// whose gradients overflowed is skipped and halves the scale.
class LossScaler {
 public:
  explicit LossScaler(double initial_scale = 65536.0, int growth_interval = 2000)
      : scale_(initial_scale), growth_interval_(growth_interval) {}

  // The loss to call backward() on.
  torch::Tensor Scale(const torch::Tensor& loss) const { return loss * scale_; }
  // Divides the gradients of `parameters` by the scale in place and returns
  // whether all are finite. When not, the caller skips the step; the scale
  // is halved. After growth_interval finite steps in a row it is doubled.
  bool UnscaleAndUpdate(const std::vector<torch::Tensor>& parameters);

  double scale() const { return scale_; }
  int64_t skipped_steps() const { return skipped_steps_; }

 private:
  double scale_;
  int growth_interval_;
  int good_steps_ = 0;
  int64_t skipped_steps_ = 0;
};

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_GPU_TRAINING_H_
