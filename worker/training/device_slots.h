// How many jobs a worker runs at once on its device: --slots as given, or
// --slots=auto decided from the device.
#ifndef NAS_WORKER_TRAINING_DEVICE_SLOTS_H_
#define NAS_WORKER_TRAINING_DEVICE_SLOTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "torch/torch.h"
#include "worker/runtime/slot_plan.h"

namespace nas {

struct SlotDecision {
  int slots = 1;
  std::string why;  // For the worker's log, e.g. "--slots=auto on the CPU".
};

// A count is taken as it is. auto:
//   CPU   1: the jobs would only share the same cores, which one job with
//         all the threads already uses;
//   CUDA  SlotsThatFit(the device's free memory now, slot_memory_mb MiB):
//         the worker cannot know a job's footprint before it leases one, so
//         the operator gives the measured footprint of one job of the
//         search's candidates (what nvidia-smi shows for a worker running
//         one job).
// INVALID_ARGUMENT for auto on CUDA without slot_memory_mb > 0, or
// slot_memory_mb with a count; FAILED_PRECONDITION when the free memory
// cannot be read.
absl::StatusOr<SlotDecision> DecideSlots(const SlotsFlag& flag, const torch::Device& device,
                                         int slot_memory_mb);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_DEVICE_SLOTS_H_
