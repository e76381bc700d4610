// How a worker runs one kind of job. One implementation per job kind.
#ifndef NAS_WORKER_RUNTIME_JOB_RUNNER_H_
#define NAS_WORKER_RUNTIME_JOB_RUNNER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "proto/worker_service.pb.h"

namespace nas {

// Reports the fraction done (0..1); returns false when the job must stop
// (lease lost or search cancelled).
using ProgressFn = std::function<bool(double fraction_done)>;

// Reports a finished epoch of a long job (sent at once in a heartbeat and
// recorded in the search's history); returns false when the job must stop.
using EpochFn = std::function<bool(const v1::EpochProgress& epoch)>;

// What every gradient search reports of an epoch the same way: the epoch,
// its training and validation loss and accuracy, and the architecture
// derived so far. `Progress` has epoch, train_loss, train_accuracy,
// valid_loss and valid_accuracy; searches add their own metrics.
template <typename Progress>
v1::EpochProgress EpochReport(const Progress& p, int epochs, const std::string& architecture) {
  v1::EpochProgress report;
  report.set_epoch(p.epoch);
  report.set_epochs(epochs);
  auto& m = *report.mutable_metrics();
  m["train_loss"] = p.train_loss;
  m["train_accuracy"] = p.train_accuracy;
  m["valid_loss"] = p.valid_loss;
  m["valid_accuracy"] = p.valid_accuracy;
  report.mutable_architecture()->set_text(architecture);
  return report;
}

// Reports a finished epoch of `report.epochs()` to both callbacks (`epoch`
// may be empty); false when the job must stop.
inline bool ReportEpoch(const v1::EpochProgress& report, const ProgressFn& progress,
                        const EpochFn& epoch) {
  const bool go_on_epoch = !epoch || epoch(report);
  const bool go_on = progress(static_cast<double>(report.epoch()) / report.epochs());
  return go_on_epoch && go_on;
}

class JobRunner {
 public:
  virtual ~JobRunner() = default;

  // Runs `job` to completion. Errors become a failed evaluation:
  // CANCELLED = stopped on request (nothing is reported);
  // RESOURCE_EXHAUSTED / UNAVAILABLE = may succeed on another attempt;
  // anything else = fails the individual, with the message as the reason.
  // Must not throw.
  virtual absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job,
                                                   const ProgressFn& progress) = 0;

  // The same, for runners that also report epochs; others ignore `epoch`.
  virtual absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job, const ProgressFn& progress,
                                                   const EpochFn& /*epoch*/) {
    return Run(job, progress);
  }
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_JOB_RUNNER_H_
