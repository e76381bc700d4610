// Several jobs at once in one worker process: K slots, each a WorkerLoop on a
// thread of its own with runners of its own. Every slot leases, heartbeats and
// reports its own jobs under the worker's one id: the controller fences each
// lease by (job id, attempt), so one slot's lost lease or cancelled search
// touches no other slot's job, and WorkerInfo.slots tells the controller how
// many jobs to keep in flight for this worker. A worker that must measure a
// job before it knows K (--slots=auto on CUDA) starts with one slot and opens
// the others once that slot's first job has trained.
#ifndef NAS_WORKER_RUNTIME_WORKER_SLOTS_H_
#define NAS_WORKER_RUNTIME_WORKER_SLOTS_H_

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/worker_service.pb.h"
#include "worker/metrics/worker_metrics.h"
#include "worker/runtime/controller_client.h"
#include "worker/runtime/job_budget.h"
#include "worker/runtime/job_runner_registry.h"
#include "worker/runtime/slot_plan.h"
#include "worker/runtime/worker_loop.h"

namespace nas {

class WorkerSlots {
 public:
  struct Options {
    // The worker: slots and job_kinds are filled in here.
    v1::WorkerInfo info;
    // Jobs run at once from the start: 1..kMaxSlots (slot_plan.h).
    int slots = 1;
    // Jobs to lease in all, over every slot; 0 = until Stop().
    int max_jobs = 0;
    // Where to count jobs and busy time, and the slots as they change; may
    // be null.
    WorkerMetrics* metrics = nullptr;
    // Makes the runners of one slot; called once per slot, by Create and
    // for each slot opened later. Required.
    std::function<absl::StatusOr<JobRunners>()> make_runners;
    // Runs slot `slot`'s loop (`run`) on that slot's thread, inside whatever
    // per-thread state the slot needs (a CUDA stream of its own); must call
    // `run` exactly once. Empty: `run` is called as it is.
    std::function<void(int slot, const std::function<void()>& run)> enter_slot;
    // Called once, on the thread of the slot whose job first ran to a result
    // (WorkerLoop::Options::after_result), before that slot leases again:
    // the slots wanted in all. Those beyond the slots open at once, each a
    // slot as Create makes them; a count at or below them (or a Stop()
    // before) opens none. Empty: the slots stay as created.
    std::function<int()> after_first_job;
  };

  // INVALID_ARGUMENT for a slot count out of range or no make_runners; the
  // error of make_runners as it is.
  static absl::StatusOr<std::unique_ptr<WorkerSlots>> Create(Options options,
                                                             ControllerClient* client);

  // Runs every slot, those opened meanwhile included, until Stop(), or until
  // the slots find max_jobs spent. A job that fails in one slot is reported
  // by that slot, and the others go on. An error only when a slot found the
  // controller unreachable beyond the client's retry budget: the other slots
  // are then stopped as by Stop() and the first such error is returned once
  // all have ended. Call once.
  absl::Status Run();

  // Thread- and signal-safe (stores and reads atomics only): no slot leases
  // again, none opens; each running job is stopped and handed back to the
  // controller (WorkerLoop::Stop), so another worker takes it at once.
  void Stop();

  // The slots now: those Create made and those opened since.
  int slots() const { return count_.load(); }

 private:
  WorkerSlots(Options options, ControllerClient* client);

  // Slot `i`'s loop, with runners of its own.
  absl::StatusOr<std::unique_ptr<WorkerLoop>> MakeLoop(int i);
  // Runs slot `i` on a new thread.
  void StartSlot(int i) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs slot `i`'s loop to its end on the calling thread.
  void RunSlot(int i);
  // After a job ran to a result: opens the slots after_first_job wants, the
  // first time.
  void AfterResult();

  Options options_;
  ControllerClient* const client_;
  std::unique_ptr<JobBudget> budget_;
  // Slots [0, count_) are built, each before count_ counts it, and none is
  // destroyed before this object: Stop() walks them from a signal handler
  // while a slot may be opening others. count_ is also the slot count every
  // lease declares (WorkerLoop::Options::slots).
  std::array<std::unique_ptr<WorkerLoop>, kMaxSlots> loops_;
  std::atomic<int> count_{0};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> had_result_{false};
  std::mutex mu_;
  // One a slot; a deque, so that Run() joins one while another is added.
  std::deque<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_WORKER_SLOTS_H_
