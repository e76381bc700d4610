#include "worker/train_candidate/pre_training_check.h"

#include <string>

#include "common/constraints/constraint_check.h"
#include "common/status/status_macros.h"
#include "worker/model/multiply_adds.h"
#include "worker/model/parameter_count.h"

namespace nas {

absl::StatusOr<CandidateCost> MeasureCandidate(
    torch::nn::Module& module, const std::function<torch::Tensor(const torch::Tensor&)>& forward,
    const std::vector<int64_t>& image_shape) {
  CandidateCost cost;
  cost.parameter_count = CountParameters(module);
  ASSIGN_OR_RETURN(cost.flops, CountMultiplyAdds(module, forward, image_shape));
  return cost;
}

void AddCost(const CandidateCost& cost, v1::EvaluationResult* result) {
  result->set_parameter_count(cost.parameter_count);
  (*result->mutable_metrics())["flops"] = static_cast<double>(cost.flops);
  if (cost.latency_ms.has_value()) (*result->mutable_metrics())["latency_ms"] = *cost.latency_ms;
}

std::optional<v1::EvaluationResult> InfeasibleResult(const v1::TrainPayload& payload,
                                                     const CandidateCost& cost) {
  if (!HasConstraints(payload.constraints())) return std::nullopt;
  v1::EvaluationResult result;
  AddCost(cost, &result);
  const std::string broken =
      ConstraintViolations(payload.constraints(), result.parameter_count(), result.metrics());
  if (broken.empty()) return std::nullopt;
  result.set_infeasible_reason(broken);
  return result;
}

}  // namespace nas
