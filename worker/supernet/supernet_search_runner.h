// Runs SUPERNET_SEARCH jobs: a whole DARTS or PC-DARTS search on this
// worker's device, every epoch reported to the controller, the derived cell
// returned as the result and the final architecture weights uploaded as the
// individual's checkpoint. After every epoch but the last the search's
// resume state is saved (JobHooks::save_resume_state); an attempt whose job
// carries one (Job.resume_checkpoint) goes on from it.
#ifndef NAS_WORKER_SUPERNET_SUPERNET_SEARCH_RUNNER_H_
#define NAS_WORKER_SUPERNET_SUPERNET_SEARCH_RUNNER_H_

#include "absl/status/statusor.h"
#include "torch/torch.h"
#include "worker/data/dataset_cache.h"
#include "worker/runtime/controller_client.h"
#include "worker/runtime/job_runner.h"
#include "worker/supernet/search.h"

namespace nas {

// The library's options for a SUPERNET_SEARCH job's payload (its search
// with defaults filled by the controller, and its space).
SupernetSearchOptions SupernetOptionsForPayload(const v1::SupernetPayload& payload,
                                                torch::Device device, uint64_t seed);

class SupernetSearchRunner : public JobRunner {
 public:
  // `datasets` and `client` must outlive the runner.
  SupernetSearchRunner(torch::Device device, DatasetCache* datasets, ControllerClient* client)
      : device_(device), datasets_(datasets), client_(client) {}

  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job,
                                           const ProgressFn& progress) override {
    return Run(job, JobHooks{progress});
  }
  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job, const JobHooks& hooks) override;

 private:
  const torch::Device device_;
  DatasetCache* const datasets_;
  ControllerClient* const client_;
};

}  // namespace nas

#endif  // NAS_WORKER_SUPERNET_SUPERNET_SEARCH_RUNNER_H_
