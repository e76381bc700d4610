// Runs TRAIN_MORPHED jobs (NASH): fetch the parent's weights from the
// controller, apply the job's morphisms to architecture and weights, check
// on real data that the child computes the parent's function, train with
// SGDR, and upload the child's weights. The start net (no parent) is built
// fresh. Parent and child may be trained on different machines.
#ifndef NAS_WORKER_NASH_TRAIN_MORPHED_RUNNER_H_
#define NAS_WORKER_NASH_TRAIN_MORPHED_RUNNER_H_

#include "torch/torch.h"
#include "worker/data/dataset_cache.h"
#include "worker/runtime/controller_client.h"
#include "worker/runtime/job_runner.h"

namespace nas {

// The largest max|child(x) - parent(x)| / max|parent(x)| accepted.
inline constexpr double kFunctionPreservationTolerance = 1e-4;

class TrainMorphedRunner : public JobRunner {
 public:
  // `datasets` and `client` must outlive the runner.
  TrainMorphedRunner(torch::Device device, DatasetCache* datasets, ControllerClient* client)
      : device_(device), datasets_(datasets), client_(client) {}

  // Errors besides training's: DATA_LOSS for a corrupt parent checkpoint,
  // FAILED_PRECONDITION when the morphed child does not preserve the
  // parent's function (the message gives the measured difference).
  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job,
                                           const ProgressFn& progress) override {
    return Run(job, JobHooks{progress});
  }
  // Logs the measured function-preservation error and each epoch's line.
  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job, const JobHooks& hooks) override;

 private:
  const torch::Device device_;
  DatasetCache* const datasets_;
  ControllerClient* const client_;
};

}  // namespace nas

#endif  // NAS_WORKER_NASH_TRAIN_MORPHED_RUNNER_H_
