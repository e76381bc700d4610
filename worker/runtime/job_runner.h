// How a worker runs one kind of job. One implementation per job kind.
#ifndef NAS_WORKER_RUNTIME_JOB_RUNNER_H_
#define NAS_WORKER_RUNTIME_JOB_RUNNER_H_

#include <functional>
#include <optional>
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

// Reports a finished epoch like EpochFn, then waits until the heartbeat that
// carries it is answered: the reason the controller gives for stopping the
// job early (HeartbeatResponse.stop_reason), or nullopt to go on (also when
// the job is abandoned meanwhile: the progress hook says so).
using EpochVerdictFn = std::function<std::optional<std::string>(const v1::EpochProgress& epoch)>;

// Writes one line to the job's log (job_log.h): printed on the worker's
// stderr and sent to the controller, where SearchService.ListJobLogs shows
// it. Thread-safe.
using LogFn = std::function<void(const std::string& line)>;

// Saves a long job's state after `epochs_done` epochs (bytes its runner
// reads back from Job.resume_checkpoint): uploads it to the checkpoint store
// and sends its digest with the next heartbeat (HeartbeatRequest.
// resume_checkpoint), which the controller hands to the job's next attempt.
// Call it before reporting that epoch, so the epoch's heartbeat carries it.
// An error (the upload failed) leaves the previous state in force; the job
// may go on.
using SaveResumeStateFn = std::function<absl::Status(int epochs_done, const std::string& bytes)>;

// What a running job reports besides its result.
struct JobHooks {
  ProgressFn progress;                  // Required.
  EpochFn epoch;                        // May be empty.
  LogFn log;                            // May be empty.
  EpochVerdictFn epoch_verdict;         // May be empty (then nothing stops early).
  SaveResumeStateFn save_resume_state;  // May be empty (then nothing resumes).

  void Log(const std::string& line) const {
    if (log) log(line);
  }
};

// One epoch as a log line: "epoch 3/10: train_loss 0.4123, valid_accuracy
// 0.8750, ..." (metrics in name order, 4 significant digits).
std::string EpochLine(const v1::EpochProgress& report);

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

// Reports a finished epoch of `report.epochs()` to the hooks: its line to
// the log, the epoch itself, the progress; false when the job must stop.
inline bool ReportEpoch(const v1::EpochProgress& report, const JobHooks& hooks) {
  hooks.Log(EpochLine(report));
  const bool go_on_epoch = !hooks.epoch || hooks.epoch(report);
  const bool go_on = hooks.progress(static_cast<double>(report.epoch()) / report.epochs());
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

  // The same with every hook (what the worker loop calls), for runners that
  // report epochs or log lines; the default reports progress only.
  virtual absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job, const JobHooks& hooks) {
    return Run(job, hooks.progress);
  }
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_JOB_RUNNER_H_
