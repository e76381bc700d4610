// A candidate measured before any training: its size, its FLOPs and (tfnas,
// with a latency table) its predicted latency, and whether that meets the
// search's constraints (TrainPayload.constraints). A candidate that does not
// is reported infeasible and never trained.
#ifndef NAS_WORKER_TRAIN_CANDIDATE_PRE_TRAINING_CHECK_H_
#define NAS_WORKER_TRAIN_CANDIDATE_PRE_TRAINING_CHECK_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/worker_service.pb.h"
#include "torch/torch.h"
#include "worker/errors/torch_errors.h"

namespace nas {

struct CandidateCost {
  int64_t parameter_count = 0;
  int64_t flops = 0;                 // Multiply-adds of one image (multiply_adds.h).
  std::optional<double> latency_ms;  // By the job's latency table, if it has one.
};

// Measures a freshly built network (on the CPU) for images of `image_shape`
// ([C, H, W]).
absl::StatusOr<CandidateCost> MeasureCandidate(
    torch::nn::Module& module, const std::function<torch::Tensor(const torch::Tensor&)>& forward,
    const std::vector<int64_t>& image_shape);

// The same for a module holder (DartsNetwork, TfNasNetwork, ConvNet), with
// whatever LibTorch throws returned as a status.
template <typename Net>
absl::StatusOr<CandidateCost> MeasureNetwork(Net& net, const std::vector<int64_t>& image_shape) {
  return CallGuarded("measuring the candidate", [&] {
    return MeasureCandidate(
        *net, [&](const torch::Tensor& x) { return net->forward(x); }, image_shape);
  });
}

// Writes the cost into a result: parameter_count and the metrics "flops" and
// "latency_ms" (when measured).
void AddCost(const CandidateCost& cost, v1::EvaluationResult* result);

// The result to report instead of training when `cost` breaks the payload's
// constraints (infeasible_reason set, the cost as measured); nullopt when
// the candidate may be trained.
std::optional<v1::EvaluationResult> InfeasibleResult(const v1::TrainPayload& payload,
                                                     const CandidateCost& cost);

}  // namespace nas

#endif  // NAS_WORKER_TRAIN_CANDIDATE_PRE_TRAINING_CHECK_H_
