// Runs TRAIN_CANDIDATE jobs: build the DARTS-cell network from the genome,
// train it on the spec's dataset, report validation accuracy.
#ifndef NAS_WORKER_TRAIN_CANDIDATE_TRAIN_CANDIDATE_RUNNER_H_
#define NAS_WORKER_TRAIN_CANDIDATE_TRAIN_CANDIDATE_RUNNER_H_

#include "torch/torch.h"
#include "worker/data/dataset_cache.h"
#include "worker/runtime/job_runner.h"

namespace nas {

class TrainCandidateRunner : public JobRunner {
 public:
  // `datasets` must outlive the runner.
  TrainCandidateRunner(torch::Device device, DatasetCache* datasets)
      : device_(device), datasets_(datasets) {}

  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job,
                                           const ProgressFn& progress) override;

 private:
  const torch::Device device_;
  DatasetCache* const datasets_;
};

}  // namespace nas

#endif  // NAS_WORKER_TRAIN_CANDIDATE_TRAIN_CANDIDATE_RUNNER_H_
