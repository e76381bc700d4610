// How many jobs a worker runs at once (--slots) and what each slot gets of
// the machine: the arithmetic, apart from any device.
#ifndef NAS_WORKER_RUNTIME_SLOT_PLAN_H_
#define NAS_WORKER_RUNTIME_SLOT_PLAN_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nas {

// The most slots a worker may declare (WorkerInfo.slots' limit).
inline constexpr int kMaxSlots = 64;
// The most --slots=auto picks: beyond it, the per-job overheads (threads,
// leases, the controller's transactions) outgrow what one device gains.
inline constexpr int kMaxAutoSlots = 16;
// The share of the free device memory --slots=auto plans to fill, leaving the
// rest for the allocator's fragmentation and jobs a little bigger than the
// one measured.
inline constexpr double kAutoMemoryFraction = 0.8;

// --slots: a count, or auto (decided by the device, device_slots.h).
struct SlotsFlag {
  bool automatic = false;
  int count = 1;  // When not automatic: 1..kMaxSlots.
};

// "auto" or a decimal 1..kMaxSlots; anything else is INVALID_ARGUMENT naming
// the rule.
absl::StatusOr<SlotsFlag> ParseSlotsFlag(absl::string_view flag);

// The slots that fit on a device with `free_bytes` free when one job takes
// `job_bytes`: floor(free_bytes * kAutoMemoryFraction / job_bytes), at least
// 1 (one job always runs, and fails with out of memory if it does not fit)
// and at most kMaxAutoSlots. INVALID_ARGUMENT if job_bytes <= 0 or
// free_bytes < 0.
absl::StatusOr<int> SlotsThatFit(int64_t free_bytes, int64_t job_bytes);

// The slots of a worker that ran one job alone (the probe of --slots=auto
// without --slot_memory_mb) and now holds `footprint_bytes` on its device,
// with `free_bytes` free besides: SlotsThatFit(free_bytes + footprint_bytes,
// footprint_bytes), since the memory the probe holds is memory its slot has.
// The footprint is conservative: it is the job's peak, which the caching
// allocator keeps, plus a CUDA context that the slots share. Errors as
// SlotsThatFit's, and INVALID_ARGUMENT if footprint_bytes <= 0.
absl::StatusOr<int> SlotsAfterProbe(int64_t free_bytes, int64_t footprint_bytes);

// The device memory the probe's job took, read as the device's free memory
// before the worker's first job less that after it: the measure where
// nvidia-smi cannot list the worker's own process (a container with process
// ids of its own), exact when the worker has the device to itself (one pod
// per GPU), and too large (so fewer slots) when others allocated meanwhile.
// FAILED_PRECONDITION when the free memory did not shrink (others freed what
// the job took: no measure), INVALID_ARGUMENT for a negative reading.
absl::StatusOr<int64_t> FootprintFromFreeMemory(int64_t free_before, int64_t free_after);

// LibTorch threads each slot uses when the worker has `threads` for all its
// `slots`: an even split, total / slots rounded down, and at least 1 (slots
// beyond the threads then share cores). Both arguments must be >= 1.
int ThreadsPerSlot(int threads, int slots);

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_SLOT_PLAN_H_
