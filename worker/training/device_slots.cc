#include "worker/training/device_slots.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/training/device.h"

namespace nas {

absl::StatusOr<SlotDecision> DecideSlots(const SlotsFlag& flag, const torch::Device& device,
                                         int slot_memory_mb) {
  if (!flag.automatic) {
    if (slot_memory_mb != 0) {
      return absl::InvalidArgumentError(
          "--slot_memory_mb: only with --slots=auto (a count of slots is taken as it is)");
    }
    return SlotDecision{flag.count, false, absl::StrCat("--slots=", flag.count)};
  }
  if (!device.is_cuda()) {
    return SlotDecision{1, false,
                        absl::StrCat("--slots=auto on ", device.str(),
                                     ": 1, as more slots would only split the cores that "
                                     "--threads gives one job")};
  }
  if (slot_memory_mb < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--slot_memory_mb: ", slot_memory_mb,
                     " must be the MiB one job takes (> 0), or 0 to measure the first job"));
  }
  if (slot_memory_mb == 0) {
    SlotDecision probe{1, true,
                       absl::StrCat("--slots=auto on ", device.str(),
                                    ": 1 until its first job has trained, then as many as "
                                    "that job's measured memory fits")};
    if (absl::StatusOr<int64_t> free_bytes = FreeDeviceMemoryBytes(device); free_bytes.ok()) {
      probe.free_bytes_before = *free_bytes;
    }
    return probe;
  }
  const absl::StatusOr<int64_t> free_bytes = FreeDeviceMemoryBytes(device);
  if (!free_bytes.ok()) {
    return absl::Status(free_bytes.status().code(),
                        absl::StrCat("--slots=auto: ", free_bytes.status().message()));
  }
  const int64_t job_bytes = static_cast<int64_t>(slot_memory_mb) << 20;
  ASSIGN_OR_RETURN(const int slots, SlotsThatFit(*free_bytes, job_bytes));
  return SlotDecision{slots, false,
                      absl::StrCat("--slots=auto on ", device.str(), ": ", slots, " = ",
                                   *free_bytes >> 20, " MiB free x ", kAutoMemoryFraction, " / ",
                                   slot_memory_mb, " MiB a job, at most ", kMaxAutoSlots)};
}

absl::StatusOr<SlotDecision> DecideSlotsAfterProbe(const torch::Device& device,
                                                   int64_t free_bytes_before) {
  // Read after the job: the memory it used is still held by this process
  // (LibTorch's caching allocator keeps its blocks), not free.
  ASSIGN_OR_RETURN(const int64_t free_bytes, FreeDeviceMemoryBytes(device));
  int64_t footprint_bytes = 0;
  // How the footprint was measured, for the log line.
  std::string what = "this worker holds";
  std::string how;
  if (absl::StatusOr<int64_t> held = ProcessDeviceMemoryBytes(device, getpid()); held.ok()) {
    footprint_bytes = *held;
  } else {
    if (free_bytes_before < 0) return held.status();
    absl::StatusOr<int64_t> taken = FootprintFromFreeMemory(free_bytes_before, free_bytes);
    if (!taken.ok()) {
      return absl::Status(taken.status().code(),
                          absl::StrCat(held.status().message(), "; ", taken.status().message()));
    }
    footprint_bytes = *taken;
    what = "the job took";
    how = " (the free memory before and after it: nvidia-smi does not list this process)";
  }
  ASSIGN_OR_RETURN(const int slots, SlotsAfterProbe(free_bytes, footprint_bytes));
  return SlotDecision{
      slots, false,
      absl::StrCat("--slots=auto on ", device.str(), " after the first job: ", slots, " = (",
                   free_bytes >> 20, " MiB free + ", footprint_bytes >> 20, " MiB ", what, ") x ",
                   kAutoMemoryFraction, " / ", footprint_bytes >> 20, " MiB a job, at most ",
                   kMaxAutoSlots, how)};
}

}  // namespace nas
