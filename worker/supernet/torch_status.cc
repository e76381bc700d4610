#include "worker/supernet/torch_status.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nas {
namespace {

// LibTorch reports allocation failures with these phrases (CUDA caching
// allocator, CPU allocator, and the default c10 allocator respectively).
bool IsOutOfMemory(absl::string_view what) {
  return absl::StrContains(what, "out of memory") ||
         absl::StrContains(what, "can't allocate memory") ||
         absl::StrContains(what, "Failed to allocate");
}

}  // namespace

absl::Status TorchErrorToStatus(absl::string_view context, const c10::Error& e) {
  const std::string what = e.what_without_backtrace();
  if (IsOutOfMemory(what)) {
    return absl::ResourceExhaustedError(absl::StrCat("out of memory in ", context, ": ", what));
  }
  return absl::InternalError(absl::StrCat("LibTorch error in ", context, ": ", what));
}

absl::Status StdErrorToStatus(absl::string_view context, const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("out of memory in ", context, ": ", e.what()));
  }
  return absl::InternalError(absl::StrCat(context, ": ", e.what()));
}

}  // namespace nas
