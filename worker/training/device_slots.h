// How many jobs a worker runs at once on its device: --slots as given, or
// --slots=auto decided from the device.
#ifndef NAS_WORKER_TRAINING_DEVICE_SLOTS_H_
#define NAS_WORKER_TRAINING_DEVICE_SLOTS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "torch/torch.h"
#include "worker/runtime/slot_plan.h"

namespace nas {

struct SlotDecision {
  int slots = 1;
  // The worker starts `slots` (1) and decides the rest once the first job
  // has trained in it (DecideSlotsAfterProbe).
  bool probe = false;
  std::string why;  // For the worker's log, e.g. "--slots=auto on the CPU".
  // With probe: the device's free memory when the worker decided, before
  // any job (-1 when it could not be read): the measure of the first job
  // where nvidia-smi cannot list the worker's own process.
  int64_t free_bytes_before = -1;
};

// A count is taken as it is. auto:
//   CPU   1: the jobs would only share the same cores, which one job with
//         all the threads already uses;
//   CUDA  with slot_memory_mb > 0: SlotsThatFit(the device's free memory
//         now, slot_memory_mb MiB), the operator's measure of one job of
//         the search's candidates (what nvidia-smi shows for a worker
//         running one job);
//         without: 1 slot, the probe. A worker cannot know a job's
//         footprint before it leases one, so it runs one job alone and
//         measures itself then (DecideSlotsAfterProbe).
// INVALID_ARGUMENT for slot_memory_mb with a count, or < 0; FAILED_PRECONDITION
// when the free memory cannot be read.
absl::StatusOr<SlotDecision> DecideSlots(const SlotsFlag& flag, const torch::Device& device,
                                         int slot_memory_mb);

// The slots of a probing worker (SlotDecision::probe) once its first job has
// trained: SlotsAfterProbe(the device's free memory now, the job's
// footprint). The footprint is the device memory this process holds now, as
// nvidia-smi lists it; where it lists no such process (a container with
// process ids of its own), the free memory the job took:
// FootprintFromFreeMemory(free_bytes_before, free now). FAILED_PRECONDITION
// when neither can be read (the CPU; no reading before), INVALID_ARGUMENT
// when the job took nothing; the worker then keeps its one slot.
absl::StatusOr<SlotDecision> DecideSlotsAfterProbe(const torch::Device& device,
                                                   int64_t free_bytes_before);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_DEVICE_SLOTS_H_
