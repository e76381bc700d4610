// Runs MEASURE_LATENCY jobs: times every block of the search's tfnas space
// on this worker's device and returns the latency table (JSON), which the
// controller stores keyed by this worker's device.
#ifndef NAS_WORKER_TFNAS_MEASURE_LATENCY_RUNNER_H_
#define NAS_WORKER_TFNAS_MEASURE_LATENCY_RUNNER_H_

#include "torch/torch.h"
#include "worker/runtime/job_runner.h"

namespace nas {

class MeasureLatencyRunner : public JobRunner {
 public:
  explicit MeasureLatencyRunner(torch::Device device) : device_(device) {}

  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job, const ProgressFn& progress) override;

 private:
  const torch::Device device_;
};

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_MEASURE_LATENCY_RUNNER_H_
