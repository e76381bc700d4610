// Runs TFNAS_SEARCH jobs: a whole TF-NAS search on this worker's device under
// the job's latency table (or its search's table file), every epoch reported
// to the controller, the derived architecture returned with its predicted
// and measured latency, and the final architecture parameters uploaded as
// the individual's checkpoint.
#ifndef NAS_WORKER_TFNAS_TFNAS_SEARCH_RUNNER_H_
#define NAS_WORKER_TFNAS_TFNAS_SEARCH_RUNNER_H_

#include "torch/torch.h"
#include "worker/data/dataset_cache.h"
#include "worker/runtime/controller_client.h"
#include "worker/runtime/job_runner.h"

namespace nas {

class TfNasSearchRunner : public JobRunner {
 public:
  // `datasets` and `client` must outlive the runner.
  TfNasSearchRunner(torch::Device device, DatasetCache* datasets, ControllerClient* client)
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

#endif  // NAS_WORKER_TFNAS_TFNAS_SEARCH_RUNNER_H_
