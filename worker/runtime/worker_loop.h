// One slot of a worker: lease a job, run it while heartbeating, report; then
// the next. A worker process runs one or more of these (worker_slots.h).
#ifndef NAS_WORKER_RUNTIME_WORKER_LOOP_H_
#define NAS_WORKER_RUNTIME_WORKER_LOOP_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "proto/worker_service.pb.h"
#include "worker/metrics/worker_metrics.h"
#include "worker/runtime/controller_client.h"
#include "worker/runtime/job_budget.h"
#include "worker/runtime/job_log.h"
#include "worker/runtime/job_runner.h"

namespace nas {

class WorkerLoop {
 public:
  struct Options {
    v1::WorkerInfo info;  // job_kinds are filled from the runners.
    // Names this loop in its log lines ("w1", or "w1 slot 2" beside others).
    std::string name;
    // Jobs left to the process, shared with its other slots; null = no limit.
    // The loop ends when it finds the budget spent.
    JobBudget* budget = nullptr;
    // Where to count jobs and busy time; may be null.
    WorkerMetrics* metrics = nullptr;
    // The worker's slots now, declared with each lease in place of
    // info.slots (a worker that measures its first job opens more slots
    // while it runs); null = info.slots.
    const std::atomic<int>* slots = nullptr;
    // Called on the loop's thread after each job its runner ran to a result,
    // once that is reported (or the report refused: the job still trained
    // to its end). Not after a failed job: it may have failed before it
    // allocated what training takes. May be empty.
    std::function<void()> after_result;
  };

  // The runners are this loop's own: no other loop runs them.
  WorkerLoop(Options options, ControllerClient* client,
             std::map<v1::JobKind, std::unique_ptr<JobRunner>> runners);

  // Runs until Stop() or the budget is spent. An error only if the
  // controller stayed unreachable beyond the client's retry budget. A job
  // that fails (an error from its runner, out of memory included) is
  // reported as failed and the loop goes on.
  absl::Status Run();
  // Thread- and signal-safe: the loop leases no more jobs (a long-polling
  // lease request is cancelled within 50 ms); a running job is
  // asked to stop (as when its search is cancelled) and handed back to the
  // controller, which gives it to another worker at once without counting
  // the attempt. Run() then returns OK.
  void Stop() { stop_.store(true); }

 private:
  // Runs one leased job with a heartbeat thread beside it and reports.
  absl::Status RunJob(const v1::Job& job);
  // Hands `job` back unfinished (Stop() interrupted it). When the controller
  // cannot be told, logs why: the lease then expires as after a crash.
  void Release(const v1::Job& job, const std::string& tag, JobLog& log);

  Options options_;
  ControllerClient* const client_;
  std::map<v1::JobKind, std::unique_ptr<JobRunner>> runners_;
  std::atomic<bool> stop_{false};
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_WORKER_LOOP_H_
