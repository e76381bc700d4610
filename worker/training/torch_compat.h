// The one place where the project's code meets what differs between the
// LibTorch releases it builds against: Debian's 1.13 and the 2.x of an
// official archive or a pip PyTorch (see docs/gpu.md). Everything else is
// written against the API the two share.
//
// CUDA-only calls (c10/cuda headers, which need the CUDA toolkit's
// cuda_runtime_api.h) are compiled only where NAS_WITH_CUDA is defined: the
// GPU benchmarks' CMake build defines it when the LibTorch it links has CUDA.
// Bazel builds never define it; the worker needs none of them.
#ifndef NAS_WORKER_TRAINING_TORCH_COMPAT_H_
#define NAS_WORKER_TRAINING_TORCH_COMPAT_H_

#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "ATen/autocast_mode.h"
#include "torch/torch.h"
#include "torch/version.h"

#ifdef NAS_WITH_CUDA
#include "c10/cuda/CUDACachingAllocator.h"
#include "c10/cuda/CUDAGuard.h"
#include "c10/cuda/CUDAStream.h"
#endif

// LibTorch's version as one number, e.g. 11300 for 1.13.x, 21100 for 2.11.x.
#define NAS_TORCH_VERSION (TORCH_VERSION_MAJOR * 10000 + TORCH_VERSION_MINOR * 100)

namespace nas {

// The optional type of LibTorch's module options (BatchNormOptions::momentum):
// c10::optional up to 2.1; std::optional from 2.2, where c10::optional became
// an alias of it, since deprecated and on its way out.
#if NAS_TORCH_VERSION >= 20200
template <typename T>
using TorchOptional = std::optional<T>;
#else
template <typename T>
using TorchOptional = c10::optional<T>;
#endif
static_assert(
    std::is_same_v<TorchOptional<double>,
                   std::decay_t<decltype(std::declval<torch::nn::BatchNormOptions&>().momentum())>>,
    "TorchOptional must be the optional type of this LibTorch's module options");

// std::get_if or c10::get_if, whichever holds the variants of this
// LibTorch's module options (Conv2dOptions::padding, ::padding_mode):
// c10::variant in 1.13, std::variant in 2.x. Null when `v` holds another
// alternative. The unqualified call finds c10::get_if by argument-dependent
// lookup for a c10::variant and std::get_if for a std::variant.
template <typename T, typename Variant>
const T* TorchGetIf(const Variant* v) {
  using std::get_if;
  return get_if<T>(v);
}

// CUDA autocast's switch and dtype (this thread's): per device type from
// LibTorch 2.4, one "gpu" setting before.
#if NAS_TORCH_VERSION >= 20400
inline bool CudaAutocastEnabled() { return at::autocast::is_autocast_enabled(at::kCUDA); }
inline void SetCudaAutocastEnabled(bool on) { at::autocast::set_autocast_enabled(at::kCUDA, on); }
inline at::ScalarType CudaAutocastDtype() { return at::autocast::get_autocast_dtype(at::kCUDA); }
inline void SetCudaAutocastDtype(at::ScalarType t) {
  at::autocast::set_autocast_dtype(at::kCUDA, t);
}
#else
inline bool CudaAutocastEnabled() { return at::autocast::is_enabled(); }
inline void SetCudaAutocastEnabled(bool on) { at::autocast::set_enabled(on); }
inline at::ScalarType CudaAutocastDtype() { return at::autocast::get_autocast_gpu_dtype(); }
inline void SetCudaAutocastDtype(at::ScalarType t) { at::autocast::set_autocast_gpu_dtype(t); }
#endif

#ifdef NAS_WITH_CUDA
// Bytes the CUDA caching allocator has handed out on `device` right now and
// at most since ResetCudaPeakMemory (torch.cuda.memory_allocated and
// max_memory_allocated in Python). The stats' type moved between releases;
// its first entry is the aggregate over pools in all of them.
inline int64_t CudaAllocatedBytes(int device) {
  return c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device))
      .allocated_bytes[0]
      .current;
}
inline int64_t CudaPeakAllocatedBytes(int device) {
  return c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device))
      .allocated_bytes[0]
      .peak;
}
inline void ResetCudaPeakMemory(int device) {
  c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
}

// While alive, the calling thread's CUDA work on `device` goes to a stream of
// its own from LibTorch's pool instead of the device's default stream, so that
// trainers on several threads can overlap on one GPU. Not copyable.
class ScopedCudaStream {
 public:
  explicit ScopedCudaStream(int device)
      : guard_(c10::cuda::getStreamFromPool(/*isHighPriority=*/false,
                                            static_cast<c10::DeviceIndex>(device))) {}

 private:
  c10::cuda::CUDAStreamGuard guard_;
};
#endif  // NAS_WITH_CUDA

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_TORCH_COMPAT_H_
