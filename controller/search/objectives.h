// A search's objectives (SearchSpec.objectives): which measurements of an
// evaluated individual it optimizes, and in which direction. The store turns
// each result into "scores", one per objective, larger always better
// (a minimized value is negated), so that strategies and the Pareto front
// compare individuals one way whatever the goals.
#ifndef NAS_CONTROLLER_SEARCH_OBJECTIVES_H_
#define NAS_CONTROLLER_SEARCH_OBJECTIVES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/map.h"
#include "proto/search.pb.h"

namespace nas {

inline constexpr int kMaxObjectives = 4;

// Fills each objective's default goal (MAXIMIZE) and checks them: a known
// metric, each at most once ("fitness" and "valid_accuracy" are one), at most
// kMaxObjectives, and measured by the spec's evaluations. INVALID_ARGUMENT
// naming the field ("objectives[1].metric: ..."); `spec` unchanged on error.
absl::Status NormalizeObjectives(v1::SearchSpec& spec);

// Checks spec.constraints and spec.latency_table_path: limits >= 0 (0 =
// none) and each measured by the spec's evaluations (a supernet search's
// by its derived architecture). INVALID_ARGUMENT naming the field
// ("constraints.max_flops: ...").
absl::Status ValidateConstraints(const v1::SearchSpec& spec);

// The objectives of a normalized spec; [maximize fitness] when it has none.
std::vector<v1::Objective> EffectiveObjectives(const v1::SearchSpec& spec);

// The measured value of each objective of `objectives` in a result.
// INVALID_ARGUMENT naming the metric when the result lacks one (or it is not
// finite).
absl::StatusOr<std::vector<double>> ObjectiveValues(
    const std::vector<v1::Objective>& objectives, double fitness, int64_t parameter_count,
    const google::protobuf::Map<std::string, double>& metrics);

// `values` oriented so that larger is better: minimized ones negated.
std::vector<double> ObjectiveScores(const std::vector<v1::Objective>& objectives,
                                    const std::vector<double>& values);

// "maximize fitness, minimize parameter_count".
std::string DescribeObjectives(const std::vector<v1::Objective>& objectives);

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_OBJECTIVES_H_
