#include "controller/search/objectives.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nas {
namespace {

// The canonical name of a metric ("valid_accuracy" is fitness by another
// name), or "" if unknown.
std::string Canonical(const std::string& metric) {
  if (metric == "fitness" || metric == "valid_accuracy") return "fitness";
  if (metric == "parameter_count" || metric == "flops" || metric == "latency_ms") return metric;
  return "";
}

// Why the spec's evaluations never report `metric`, or "" if they do:
// candidates trained by a worker report parameter_count and flops, and
// latency_ms by the spec's latency table (tfnas space); table lookups
// report fitness only; a supernet search reports its derived
// architecture's parameter_count and flops.
std::string NotMeasured(const v1::SearchSpec& spec, const std::string& metric) {
  if (metric == "fitness") return "";
  if (spec.has_table_lookup()) {
    return "is not measured by table_lookup evaluations (they report fitness only)";
  }
  const bool supernet = spec.strategy().has_supernet() || spec.strategy().has_tfnas();
  if (supernet && metric == "latency_ms") {
    return "is not measured by supernet searches (they report the derived architecture's "
           "fitness, parameter_count and flops; TF-NAS bounds its latency with "
           "strategy.tfnas.target_latency_ms)";
  }
  if (metric == "latency_ms") {
    if (!spec.space().has_tfnas()) {
      return "needs a latency table, which only the tfnas space has (latency_table_path)";
    }
    if (spec.latency_table_path().empty()) {
      return "needs latency_table_path: the table each candidate's latency is predicted by";
    }
  }
  return "";
}

}  // namespace

absl::Status NormalizeObjectives(v1::SearchSpec& spec) {
  if (spec.objectives_size() > kMaxObjectives) {
    return absl::InvalidArgumentError(absl::StrCat("objectives: ", spec.objectives_size(),
                                                   " objectives; at most ", kMaxObjectives));
  }
  std::vector<std::string> seen;
  for (int i = 0; i < spec.objectives_size(); ++i) {
    const v1::Objective& o = spec.objectives(i);
    const std::string field = absl::StrCat("objectives[", i, "]");
    const std::string metric = Canonical(o.metric());
    if (metric.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".metric: '", o.metric(),
                       "' is not an objective; must be fitness (or valid_accuracy), "
                       "parameter_count, flops or latency_ms"));
    }
    if (std::find(seen.begin(), seen.end(), metric) != seen.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".metric: '", o.metric(), "' is already an objective"));
    }
    seen.push_back(metric);
    if (!v1::Objective::Goal_IsValid(o.goal())) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".goal: ", o.goal(), " is not a goal; must be MAXIMIZE or MINIMIZE"));
    }
    if (const std::string why = NotMeasured(spec, metric); !why.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".metric: ", metric, " ", why));
    }
  }
  for (v1::Objective& o : *spec.mutable_objectives()) {
    if (o.goal() == v1::Objective::GOAL_UNSPECIFIED) o.set_goal(v1::Objective::MAXIMIZE);
  }
  return absl::OkStatus();
}

absl::Status ValidateConstraints(const v1::SearchSpec& spec) {
  if (spec.latency_table_path().size() > 4096) {
    return absl::InvalidArgumentError("latency_table_path: must be at most 4096 characters");
  }
  if (!spec.latency_table_path().empty() && !spec.space().has_tfnas()) {
    return absl::InvalidArgumentError(
        "latency_table_path: only the tfnas space has latency tables");
  }
  if (!spec.has_constraints()) return absl::OkStatus();
  const v1::Constraints& c = spec.constraints();
  if (c.max_parameters() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("constraints.max_parameters: ", c.max_parameters(), " must be >= 0"));
  }
  if (c.max_flops() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("constraints.max_flops: ", c.max_flops(), " must be >= 0"));
  }
  if (!(c.max_latency_ms() >= 0) || !std::isfinite(c.max_latency_ms())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "constraints.max_latency_ms: ", c.max_latency_ms(), " must be finite and >= 0"));
  }
  struct Limit {
    bool set;
    const char* field;
    const char* metric;
  };
  const Limit limits[] = {{c.max_parameters() > 0, "max_parameters", "parameter_count"},
                          {c.max_flops() > 0, "max_flops", "flops"},
                          {c.max_latency_ms() > 0, "max_latency_ms", "latency_ms"}};
  for (const Limit& limit : limits) {
    if (!limit.set) continue;
    if (const std::string why = NotMeasured(spec, limit.metric); !why.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("constraints.", limit.field, ": ", limit.metric, " ", why));
    }
  }
  return absl::OkStatus();
}

std::vector<v1::Objective> EffectiveObjectives(const v1::SearchSpec& spec) {
  if (spec.objectives().empty()) {
    v1::Objective fitness;
    fitness.set_metric("fitness");
    fitness.set_goal(v1::Objective::MAXIMIZE);
    return {fitness};
  }
  return {spec.objectives().begin(), spec.objectives().end()};
}

absl::StatusOr<std::vector<double>> ObjectiveValues(
    const std::vector<v1::Objective>& objectives, double fitness, int64_t parameter_count,
    const google::protobuf::Map<std::string, double>& metrics) {
  std::vector<double> values;
  for (const v1::Objective& o : objectives) {
    const std::string metric = Canonical(o.metric());
    if (metric == "fitness") {
      values.push_back(fitness);
    } else if (metric == "parameter_count") {
      values.push_back(static_cast<double>(parameter_count));
    } else {
      auto it = metrics.find(metric);
      if (it == metrics.end() || !std::isfinite(it->second)) {
        return absl::InvalidArgumentError(absl::StrCat("result.metrics: the objective ", metric,
                                                       " needs a finite metric '", metric, "'"));
      }
      values.push_back(it->second);
    }
  }
  return values;
}

std::vector<double> ObjectiveScores(const std::vector<v1::Objective>& objectives,
                                    const std::vector<double>& values) {
  std::vector<double> scores = values;
  for (size_t i = 0; i < scores.size() && i < objectives.size(); ++i) {
    if (objectives[i].goal() == v1::Objective::MINIMIZE) scores[i] = -scores[i];
  }
  return scores;
}

std::string DescribeObjectives(const std::vector<v1::Objective>& objectives) {
  return absl::StrJoin(objectives, ", ", [](std::string* out, const v1::Objective& o) {
    absl::StrAppend(out, o.goal() == v1::Objective::MINIMIZE ? "minimize " : "maximize ",
                    o.metric());
  });
}

}  // namespace nas
