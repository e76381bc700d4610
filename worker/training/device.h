// Where training runs. Training code is device-agnostic; this picks the device.
#ifndef NAS_WORKER_TRAINING_DEVICE_H_
#define NAS_WORKER_TRAINING_DEVICE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "torch/torch.h"

namespace nas {

// Turns a --device flag into a device:
//   "auto"            CUDA device 0 when the linked LibTorch has CUDA and a GPU
//                     is visible, else the CPU;
//   "cpu"             the CPU;
//   "cuda", "cuda:N"  that GPU (N decimal digits), or FAILED_PRECONDITION when
//                     CUDA is unavailable or fewer than N + 1 GPUs are visible.
// Anything else (including "CPU", "cuda:x", "gpu") is INVALID_ARGUMENT.
absl::StatusOr<torch::Device> ResolveDevice(absl::string_view flag);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_DEVICE_H_
