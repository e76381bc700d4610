// Runs TRAIN_CANDIDATE jobs: build the network of the genome (a DARTS cell,
// or the retrain of a TF-NAS search's derived architecture), train it on the
// dataset of its train payload, upload its trained weights to the controller
// (worker/model/darts_checkpoint.h or worker/tfnas/checkpoint.h format) and
// report validation accuracy with the weights' digest.
#ifndef NAS_WORKER_TRAIN_CANDIDATE_TRAIN_CANDIDATE_RUNNER_H_
#define NAS_WORKER_TRAIN_CANDIDATE_TRAIN_CANDIDATE_RUNNER_H_

#include "torch/torch.h"
#include "worker/data/dataset_cache.h"
#include "worker/runtime/controller_client.h"
#include "worker/runtime/job_runner.h"

namespace nas {

class TrainCandidateRunner : public JobRunner {
 public:
  // `datasets` and `client` must outlive the runner.
  TrainCandidateRunner(torch::Device device, DatasetCache* datasets, ControllerClient* client)
      : device_(device), datasets_(datasets), client_(client) {}

  // Errors besides training's: those of the upload (UNAVAILABLE when the
  // controller cannot be reached, so the job is retried).
  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job,
                                           const ProgressFn& progress) override {
    return Run(job, JobHooks{progress});
  }
  // Logs each epoch's line.
  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job, const JobHooks& hooks) override;

 private:
  absl::StatusOr<v1::EvaluationResult> RunTfNas(const v1::Job& job, const JobHooks& hooks);

  const torch::Device device_;
  DatasetCache* const datasets_;
  ControllerClient* const client_;
};

}  // namespace nas

#endif  // NAS_WORKER_TRAIN_CANDIDATE_TRAIN_CANDIDATE_RUNNER_H_
