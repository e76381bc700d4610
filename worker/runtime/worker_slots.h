// Several jobs at once in one worker process: K slots, each a WorkerLoop on a
// thread of its own with runners of its own. Every slot leases, heartbeats and
// reports its own jobs under the worker's one id: the controller fences each
// lease by (job id, attempt), so one slot's lost lease or cancelled search
// touches no other slot's job, and WorkerInfo.slots tells the controller how
// many jobs to keep in flight for this worker.
#ifndef NAS_WORKER_RUNTIME_WORKER_SLOTS_H_
#define NAS_WORKER_RUNTIME_WORKER_SLOTS_H_

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/worker_service.pb.h"
#include "worker/metrics/worker_metrics.h"
#include "worker/runtime/controller_client.h"
#include "worker/runtime/job_budget.h"
#include "worker/runtime/job_runner_registry.h"
#include "worker/runtime/worker_loop.h"

namespace nas {

class WorkerSlots {
 public:
  struct Options {
    // The worker: slots and job_kinds are filled in here.
    v1::WorkerInfo info;
    // Jobs run at once: 1..kMaxSlots (slot_plan.h).
    int slots = 1;
    // Jobs to lease in all, over every slot; 0 = until Stop().
    int max_jobs = 0;
    // Where to count jobs and busy time; may be null.
    WorkerMetrics* metrics = nullptr;
    // Makes the runners of one slot; called once per slot by Create. Required.
    std::function<absl::StatusOr<JobRunners>()> make_runners;
    // Runs slot `slot`'s loop (`run`) on that slot's thread, inside whatever
    // per-thread state the slot needs (a CUDA stream of its own); must call
    // `run` exactly once. Empty: `run` is called as it is.
    std::function<void(int slot, const std::function<void()>& run)> enter_slot;
  };

  // INVALID_ARGUMENT for a slot count out of range or no make_runners; the
  // error of make_runners as it is.
  static absl::StatusOr<std::unique_ptr<WorkerSlots>> Create(Options options,
                                                             ControllerClient* client);

  // Runs every slot until Stop(), or until the slots find max_jobs spent.
  // A job that fails in one slot is reported by that slot, and the others
  // go on. An error only when a slot found the controller unreachable beyond
  // the client's retry budget: the other slots are then stopped as by Stop()
  // and the first such error is returned once all have ended.
  absl::Status Run();

  // Thread- and signal-safe (stores atomic flags only): no slot leases
  // again; each running job is stopped and handed back to the controller
  // (WorkerLoop::Stop), so another worker takes it at once.
  void Stop();

  int slots() const { return static_cast<int>(loops_.size()); }

 private:
  WorkerSlots(std::unique_ptr<JobBudget> budget,
              std::function<void(int, const std::function<void()>&)> enter_slot)
      : budget_(std::move(budget)), enter_slot_(std::move(enter_slot)) {}

  std::unique_ptr<JobBudget> budget_;
  std::function<void(int, const std::function<void()>&)> enter_slot_;
  // Fixed once Create returns; Stop() walks it from a signal handler.
  std::vector<std::unique_ptr<WorkerLoop>> loops_;
  std::mutex mu_;
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_WORKER_SLOTS_H_
