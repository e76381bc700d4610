#include "worker/training/device_slots.h"

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
    return SlotDecision{flag.count, absl::StrCat("--slots=", flag.count)};
  }
  if (!device.is_cuda()) {
    return SlotDecision{1, absl::StrCat("--slots=auto on ", device.str(),
                                        ": 1, as more slots would only split the cores that "
                                        "--threads gives one job")};
  }
  if (slot_memory_mb <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--slot_memory_mb: --slots=auto on ", device.str(),
                     " needs the device memory one job takes (MiB, > 0): a worker cannot "
                     "know it before it leases a job"));
  }
  const absl::StatusOr<int64_t> free_bytes = FreeDeviceMemoryBytes(device);
  if (!free_bytes.ok()) {
    return absl::Status(free_bytes.status().code(),
                        absl::StrCat("--slots=auto: ", free_bytes.status().message()));
  }
  const int64_t job_bytes = static_cast<int64_t>(slot_memory_mb) << 20;
  ASSIGN_OR_RETURN(const int slots, SlotsThatFit(*free_bytes, job_bytes));
  return SlotDecision{
      slots, absl::StrCat("--slots=auto on ", device.str(), ": ", slots, " = ", *free_bytes >> 20,
                          " MiB free x ", kAutoMemoryFraction, " / ", slot_memory_mb,
                          " MiB a job, at most ", kMaxAutoSlots)};
}

}  // namespace nas
