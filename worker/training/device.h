// Where training runs. Training code is device-agnostic; this picks the device.
#ifndef NAS_WORKER_TRAINING_DEVICE_H_
#define NAS_WORKER_TRAINING_DEVICE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "torch/torch.h"

namespace nas {

// "auto": CUDA device 0 when the linked LibTorch has CUDA and a GPU is
// visible, else CPU. "cpu". "cuda" / "cuda:N": that GPU, or
// FAILED_PRECONDITION when CUDA is unavailable. Anything else:
// INVALID_ARGUMENT.
absl::StatusOr<torch::Device> ResolveDevice(absl::string_view flag);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_DEVICE_H_
