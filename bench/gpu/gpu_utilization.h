// How busy a GPU is, read from NVML while a benchmark runs: the driver's
// "utilization.gpu", the percentage of its last sample period in which at
// least one kernel was running (what `nvidia-smi --query-gpu=utilization.gpu`
// prints). NVML is opened with dlopen, so the benchmarks build without the
// CUDA toolkit's nvml.h and run (with no samples) where there is no driver.
#ifndef NAS_BENCH_GPU_GPU_UTILIZATION_H_
#define NAS_BENCH_GPU_GPU_UTILIZATION_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace nas {

class GpuUtilizationSampler {
 public:
  // Starts sampling NVML device `nvml_index` (NVML's numbering, which is
  // CUDA's unless CUDA_VISIBLE_DEVICES reorders them) every `period` on a
  // thread of its own. UNAVAILABLE where libnvidia-ml.so.1 cannot be loaded or
  // the device cannot be read.
  static absl::StatusOr<std::unique_ptr<GpuUtilizationSampler>> Start(int nvml_index,
                                                                        absl::Duration period);
  ~GpuUtilizationSampler();  // Stops sampling.

  struct Sample {
    std::chrono::steady_clock::time_point at;  // When it was read.
    int percent;                               // Of the sample period NVML averages over.
  };

  // Stops sampling (idempotent) and returns the samples in the order they
  // were read.
  std::vector<Sample> Stop();

 private:
  struct Nvml;
  GpuUtilizationSampler(std::unique_ptr<Nvml> nvml, absl::Duration period);
  void Run();

  std::unique_ptr<Nvml> nvml_;
  const absl::Duration period_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::vector<Sample> samples_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace nas

#endif  // NAS_BENCH_GPU_GPU_UTILIZATION_H_
