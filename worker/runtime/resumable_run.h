// Runs a long job from the resume state its lease carries
// (Job.resume_checkpoint), falling back to a run from scratch when the state
// cannot be downloaded or read.
#ifndef NAS_WORKER_RUNTIME_RESUMABLE_RUN_H_
#define NAS_WORKER_RUNTIME_RESUMABLE_RUN_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "proto/worker_service.pb.h"
#include "worker/runtime/controller_client.h"
#include "worker/runtime/job_runner.h"

namespace nas {

// Calls run(state) with the bytes of job.resume_checkpoint (downloaded from
// `client`), or run("") when the job has none. When the download fails, or
// run refuses the state (INVALID_ARGUMENT naming `field`, e.g.
// "supernet_search.resume_state"), says so in the job's log and calls
// run("") instead: an unusable state costs the epochs it held, not the job.
template <typename Outcome>
absl::StatusOr<Outcome> RunResumable(
    const v1::Job& job, ControllerClient& client, const JobHooks& hooks, const std::string& field,
    const std::function<absl::StatusOr<Outcome>(const std::string& state)>& run) {
  if (job.resume_checkpoint().empty()) return run("");
  absl::Status unusable;
  absl::StatusOr<std::string> state = client.DownloadCheckpoint(job.resume_checkpoint());
  if (state.ok()) {
    hooks.Log(absl::StrCat("resuming after epoch ", job.resume_epoch(), " from ",
                           job.resume_checkpoint()));
    absl::StatusOr<Outcome> outcome = run(*state);
    if (!absl::IsInvalidArgument(outcome.status()) ||
        !absl::StrContains(outcome.status().message(), field)) {
      return outcome;
    }
    unusable = outcome.status();
  } else {
    unusable = state.status();
  }
  hooks.Log(absl::StrCat("starting from scratch: resume state ", job.resume_checkpoint(),
                         " unusable: ", unusable.ToString()));
  return run("");
}

// Saves `state` after `epochs_done` epochs through the hooks when it is not
// empty; a failure is logged and the job goes on (the previous state, if
// any, stays in force).
inline void SaveResumeState(const JobHooks& hooks, int epochs_done, const std::string& state) {
  if (state.empty() || !hooks.save_resume_state) return;
  const absl::Status saved = hooks.save_resume_state(epochs_done, state);
  if (!saved.ok()) hooks.Log(absl::StrCat("resume state not saved: ", saved.ToString()));
}

// The sink of a training run's states (TrainingResume::on_state,
// worker/training/training_resume.h): SaveResumeState through `hooks`,
// which must outlive it. Empty when the hooks save nothing, so that no
// state is taken.
inline std::function<void(int epochs_done, const std::string& state)> ResumeStateSink(
    const JobHooks& hooks) {
  if (!hooks.save_resume_state) return nullptr;
  return [&hooks](int epochs_done, const std::string& state) {
    SaveResumeState(hooks, epochs_done, state);
  };
}

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_RESUMABLE_RUN_H_
