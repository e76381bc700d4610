// Where LibTorch exceptions stop. Every worker library runs its LibTorch work
// through CallGuarded, so no exception crosses a package boundary and the
// mapping to status codes lives in one place: out of memory (CUDA or CPU
// allocator, or std::bad_alloc) becomes RESOURCE_EXHAUSTED, since the job may
// pass on a bigger machine or with a smaller batch; anything else becomes
// `fallback` (INTERNAL unless the caller knows better, e.g. DATA_LOSS while
// reading a checkpoint).
#ifndef NAS_WORKER_ERRORS_TORCH_ERRORS_H_
#define NAS_WORKER_ERRORS_TORCH_ERRORS_H_

#include <exception>
#include <new>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "c10/util/Exception.h"

namespace nas {

// "out of memory in CONTEXT: ..." or "LibTorch error in CONTEXT: ...".
absl::Status StatusFromTorchError(absl::string_view context, const c10::Error& e,
                                  absl::StatusCode fallback = absl::StatusCode::kInternal);
// "out of memory in CONTEXT: ..." for std::bad_alloc, else "CONTEXT: ...".
absl::Status StatusFromStdError(absl::string_view context, const std::exception& e,
                                absl::StatusCode fallback = absl::StatusCode::kInternal);

// Runs fn() (returning absl::Status or absl::StatusOr<T>) and turns whatever
// it throws into a status.
template <typename Fn>
auto CallGuarded(absl::string_view context, Fn&& fn,
                 absl::StatusCode fallback = absl::StatusCode::kInternal) -> decltype(fn()) {
  try {
    return fn();
  } catch (const c10::Error& e) {
    return StatusFromTorchError(context, e, fallback);
  } catch (const std::exception& e) {
    return StatusFromStdError(context, e, fallback);
  }
}

}  // namespace nas

#endif  // NAS_WORKER_ERRORS_TORCH_ERRORS_H_
