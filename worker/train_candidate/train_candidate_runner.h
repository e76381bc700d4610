// Runs TRAIN_CANDIDATE jobs: build the DARTS-cell network from the genome,
// train it on the spec's dataset, report validation accuracy. Datasets are
// loaded and split once per (dataset, search seed) and kept, so a worker
// serving one search reads its files once.
#ifndef NAS_WORKER_TRAIN_CANDIDATE_TRAIN_CANDIDATE_RUNNER_H_
#define NAS_WORKER_TRAIN_CANDIDATE_TRAIN_CANDIDATE_RUNNER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "torch/torch.h"
#include "worker/data/image_dataset.h"
#include "worker/runtime/job_runner.h"

namespace nas {

class TrainCandidateRunner : public JobRunner {
 public:
  explicit TrainCandidateRunner(torch::Device device) : device_(device) {}

  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job,
                                           const ProgressFn& progress) override;

 private:
  absl::StatusOr<std::shared_ptr<const TrainValidationSplit>> Data(
      const v1::SearchSpec& spec);

  const torch::Device device_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const TrainValidationSplit>> cache_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace nas

#endif  // NAS_WORKER_TRAIN_CANDIDATE_TRAIN_CANDIDATE_RUNNER_H_
