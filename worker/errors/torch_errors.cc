#include "worker/errors/torch_errors.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nas {
namespace {

// LibTorch has no error codes; these are the CUDA caching allocator's, the CPU
// allocator's and c10's default allocator's messages.
bool IsOutOfMemory(absl::string_view what) {
  return absl::StrContains(what, "out of memory") ||
         absl::StrContains(what, "can't allocate memory") ||
         absl::StrContains(what, "Failed to allocate");
}

}  // namespace

absl::Status StatusFromTorchError(absl::string_view context, const c10::Error& e,
                                  absl::StatusCode fallback) {
  const std::string what = e.what_without_backtrace();
  if (IsOutOfMemory(what)) {
    return absl::ResourceExhaustedError(absl::StrCat("out of memory in ", context, ": ", what));
  }
  return absl::Status(fallback, absl::StrCat("LibTorch error in ", context, ": ", what));
}

absl::Status StatusFromStdError(absl::string_view context, const std::exception& e,
                                absl::StatusCode fallback) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("out of memory in ", context, ": ", e.what()));
  }
  return absl::Status(fallback, absl::StrCat(context, ": ", e.what()));
}

}  // namespace nas
