#include "worker/runtime/slot_plan.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nas {

absl::StatusOr<SlotsFlag> ParseSlotsFlag(absl::string_view flag) {
  SlotsFlag out;
  if (flag == "auto") {
    out.automatic = true;
    return out;
  }
  const bool digits = !flag.empty() && std::all_of(flag.begin(), flag.end(), absl::ascii_isdigit);
  if (!digits || !absl::SimpleAtoi(flag, &out.count) || out.count < 1 || out.count > kMaxSlots) {
    return absl::InvalidArgumentError(
        absl::StrCat("slots '", flag, "': must be auto or a number in 1..", kMaxSlots));
  }
  return out;
}

absl::StatusOr<int> SlotsThatFit(int64_t free_bytes, int64_t job_bytes) {
  if (job_bytes <= 0 || free_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("slots for ", free_bytes, " free bytes at ", job_bytes,
                     " bytes a job: need job bytes > 0 and free >= 0"));
  }
  const double fit = std::floor(static_cast<double>(free_bytes) * kAutoMemoryFraction /
                                static_cast<double>(job_bytes));
  return static_cast<int>(std::clamp(fit, 1.0, static_cast<double>(kMaxAutoSlots)));
}

absl::StatusOr<int> SlotsAfterProbe(int64_t free_bytes, int64_t footprint_bytes) {
  if (footprint_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("slots after a job that held ", footprint_bytes, " bytes: need bytes > 0"));
  }
  // A negative free stays negative, for SlotsThatFit to refuse.
  return SlotsThatFit(free_bytes < 0 ? free_bytes : free_bytes + footprint_bytes, footprint_bytes);
}

absl::StatusOr<int64_t> FootprintFromFreeMemory(int64_t free_before, int64_t free_after) {
  if (free_before < 0 || free_after < 0) {
    return absl::InvalidArgumentError(absl::StrCat("free device memory before (", free_before,
                                                   ") and after (", free_after,
                                                   ") the first job: need bytes >= 0"));
  }
  if (free_after >= free_before) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the device's free memory did not shrink over the first job (", free_before >> 20,
        " MiB before, ", free_after >> 20, " MiB after): another process freed memory meanwhile"));
  }
  return free_before - free_after;
}

int ThreadsPerSlot(int threads, int slots) { return std::max(1, threads / std::max(1, slots)); }

}  // namespace nas
