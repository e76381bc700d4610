#include "worker/morphism/torch_errors.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nas {

absl::Status StatusFromTorchError(absl::string_view context, const c10::Error& e,
                                  absl::StatusCode fallback) {
  const std::string what = e.what_without_backtrace();
  // LibTorch has no error codes; these are the allocators' messages.
  if (absl::StrContains(what, "out of memory") ||
      absl::StrContains(what, "can't allocate memory") ||
      absl::StrContains(what, "Failed to allocate")) {
    return absl::ResourceExhaustedError(absl::StrCat(context, ": out of memory: ", what));
  }
  return absl::Status(fallback, absl::StrCat(context, ": ", what));
}

}  // namespace nas
