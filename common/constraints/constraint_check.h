// Whether a measured candidate meets a search's constraints
// (SearchSpec.constraints). The worker asks before training, so that an
// infeasible candidate costs no training; the controller asks again when it
// records the result, so that a result over a limit is never recorded as
// evaluated whatever the worker did.
#ifndef NAS_COMMON_CONSTRAINTS_CONSTRAINT_CHECK_H_
#define NAS_COMMON_CONSTRAINTS_CONSTRAINT_CHECK_H_

#include <cstdint>
#include <string>

#include "google/protobuf/map.h"
#include "proto/search.pb.h"

namespace nas {

// Whether `constraints` sets any limit.
bool HasConstraints(const v1::Constraints& constraints);

// The limits `constraints` sets that the measurements break, as one line
// ("parameter_count 5210 > constraints.max_parameters 5000; flops ..."),
// or "" when every limit holds. FLOPs and latency come from `metrics`
// ("flops", "latency_ms"); a limit whose metric is missing or not finite is
// broken too ("flops not measured"): a candidate that cannot be shown to
// meet a limit does not.
std::string ConstraintViolations(const v1::Constraints& constraints, int64_t parameter_count,
                                 const google::protobuf::Map<std::string, double>& metrics);

}  // namespace nas

#endif  // NAS_COMMON_CONSTRAINTS_CONSTRAINT_CHECK_H_
