#include "common/constraints/constraint_check.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace nas {
namespace {

// Checks `metric` against `limit` (a field of Constraints), adding a line to
// `broken` when it is over, missing or not finite.
void CheckMetric(const google::protobuf::Map<std::string, double>& metrics,
                 const std::string& metric, const std::string& field, double limit,
                 std::vector<std::string>* broken) {
  auto it = metrics.find(metric);
  if (it == metrics.end() || !std::isfinite(it->second)) {
    broken->push_back(absl::StrCat(metric, " not measured (", field, " ", limit, ")"));
  } else if (it->second > limit) {
    broken->push_back(absl::StrFormat("%s %.6g > %s %.6g", metric, it->second, field, limit));
  }
}

}  // namespace

bool HasConstraints(const v1::Constraints& c) {
  return c.max_parameters() > 0 || c.max_flops() > 0 || c.max_latency_ms() > 0;
}

std::string ConstraintViolations(const v1::Constraints& c, int64_t parameter_count,
                                 const google::protobuf::Map<std::string, double>& metrics) {
  std::vector<std::string> broken;
  if (c.max_parameters() > 0 && parameter_count > c.max_parameters()) {
    broken.push_back(absl::StrCat("parameter_count ", parameter_count,
                                  " > constraints.max_parameters ", c.max_parameters()));
  }
  if (c.max_flops() > 0) {
    CheckMetric(metrics, "flops", "constraints.max_flops", static_cast<double>(c.max_flops()),
                &broken);
  }
  if (c.max_latency_ms() > 0) {
    CheckMetric(metrics, "latency_ms", "constraints.max_latency_ms", c.max_latency_ms(), &broken);
  }
  return absl::StrJoin(broken, "; ");
}

}  // namespace nas
