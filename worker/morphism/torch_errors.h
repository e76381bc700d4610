// Where LibTorch exceptions stop: every public function of worker/morphism
// (and of worker/model's DARTS checkpoints) runs its LibTorch work through
// CallGuarded, so no exception crosses the package boundary and the mapping
// to status codes lives in one place.
#ifndef NAS_WORKER_MORPHISM_TORCH_ERRORS_H_
#define NAS_WORKER_MORPHISM_TORCH_ERRORS_H_

#include <exception>
#include <new>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "c10/util/Exception.h"

namespace nas {

// RESOURCE_EXHAUSTED for out-of-memory messages (CUDA or CPU allocator),
// otherwise `fallback` (INTERNAL unless the caller knows better, e.g.
// DATA_LOSS while reading a checkpoint). The message starts with `context`.
absl::Status StatusFromTorchError(absl::string_view context, const c10::Error& e,
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
  } catch (const std::bad_alloc& e) {
    return absl::ResourceExhaustedError(absl::StrCat(context, ": out of memory: ", e.what()));
  } catch (const std::exception& e) {
    return absl::Status(fallback, absl::StrCat(context, ": ", e.what()));
  }
}

}  // namespace nas

#endif  // NAS_WORKER_MORPHISM_TORCH_ERRORS_H_
