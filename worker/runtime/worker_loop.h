// The worker's main loop: lease a job, run it while heartbeating, report.
#ifndef NAS_WORKER_RUNTIME_WORKER_LOOP_H_
#define NAS_WORKER_RUNTIME_WORKER_LOOP_H_

#include <atomic>
#include <map>
#include <memory>

#include "absl/status/status.h"
#include "proto/worker_service.pb.h"
#include "worker/runtime/controller_client.h"
#include "worker/metrics/worker_metrics.h"
#include "worker/runtime/job_runner.h"

namespace nas {

class WorkerLoop {
 public:
  struct Options {
    v1::WorkerInfo info;  // job_kinds are filled from the runners.
    // Stop after this many jobs (0 = run until Stop()).
    int max_jobs = 0;
    // Where to count jobs and busy time; may be null.
    WorkerMetrics* metrics = nullptr;
  };

  WorkerLoop(Options options, ControllerClient* client,
             std::map<v1::JobKind, std::unique_ptr<JobRunner>> runners);

  // Runs until Stop() or max_jobs. An error only if the controller stayed
  // unreachable beyond the client's retry budget.
  absl::Status Run();
  // Thread- and signal-safe: the loop exits after the current job (a running
  // job is abandoned; its lease expires and another worker takes it).
  void Stop() { stop_.store(true); }

 private:
  // Runs one leased job with a heartbeat thread beside it and reports.
  absl::Status RunJob(const v1::Job& job);

  Options options_;
  ControllerClient* const client_;
  std::map<v1::JobKind, std::unique_ptr<JobRunner>> runners_;
  std::atomic<bool> stop_{false};
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_WORKER_LOOP_H_
