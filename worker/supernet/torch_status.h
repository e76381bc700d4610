// Maps LibTorch exceptions to absl::Status at the supernet module boundary,
// so that no exception escapes: out of memory (CPU or GPU) becomes
// RESOURCE_EXHAUSTED (the job may succeed on a bigger machine or a smaller
// batch), any other LibTorch or std error INTERNAL.
#ifndef NAS_WORKER_SUPERNET_TORCH_STATUS_H_
#define NAS_WORKER_SUPERNET_TORCH_STATUS_H_

#include <exception>
#include <new>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "torch/torch.h"

namespace nas {

// The status for an exception thrown by LibTorch while doing `context`.
absl::Status TorchErrorToStatus(absl::string_view context, const c10::Error& e);
absl::Status StdErrorToStatus(absl::string_view context, const std::exception& e);

// Runs `body` (returning absl::Status) and converts any exception it throws.
template <typename Body>
absl::Status RunGuarded(absl::string_view context, Body&& body) {
  try {
    return body();
  } catch (const c10::Error& e) {
    return TorchErrorToStatus(context, e);
  } catch (const std::exception& e) {
    return StdErrorToStatus(context, e);
  }
}

}  // namespace nas

#endif  // NAS_WORKER_SUPERNET_TORCH_STATUS_H_
