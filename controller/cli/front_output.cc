#include "controller/cli/front_output.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controller/cli/output_format.h"
#include "controller/search/objectives.h"

namespace nas {
namespace {

std::string GoalName(const v1::Objective& o) {
  return o.goal() == v1::Objective::MINIMIZE ? "minimize" : "maximize";
}

// An objective's value as people read it: accuracies to 4 places, counts
// whole.
std::string ValueText(const v1::Objective& o, double value) {
  if (o.metric() == "parameter_count" || o.metric() == "flops") {
    return absl::StrFormat("%.0f", value);
  }
  return absl::StrFormat("%.4f", value);
}

}  // namespace

std::string FrontText(const v1::SearchSpec& spec,
                      const google::protobuf::RepeatedPtrField<v1::Individual>& front) {
  const std::vector<v1::Objective> objectives = EffectiveObjectives(spec);
  if (front.empty()) return "no evaluated individual yet\n";
  std::string out = absl::StrCat(front.size(), " non-dominated by ",
                                 DescribeObjectives(objectives), ":\n");
  absl::StrAppend(&out, absl::StrFormat("%-8s %-6s", "id", "birth"));
  for (const v1::Objective& o : objectives) {
    absl::StrAppend(&out, absl::StrFormat(" %-20s", absl::StrCat(GoalName(o).substr(0, 3), " ",
                                                                  o.metric())));
  }
  absl::StrAppend(&out, " genome\n");
  for (const v1::Individual& i : front) {
    absl::StrAppend(&out, absl::StrFormat("%-8d %-6d", i.id(), i.birth_order()));
    for (int k = 0; k < static_cast<int>(objectives.size()); ++k) {
      const std::string value =
          k < i.objective_values_size() ? ValueText(objectives[k], i.objective_values(k)) : "-";
      absl::StrAppend(&out, absl::StrFormat(" %-20s", value));
    }
    absl::StrAppend(&out, " ", i.architecture().text(), "\n");
  }
  return out;
}

std::string FrontCsv(const v1::SearchSpec& spec,
                     const google::protobuf::RepeatedPtrField<v1::Individual>& front) {
  const std::vector<v1::Objective> objectives = EffectiveObjectives(spec);
  std::vector<std::string> header = {"id", "birth_order"};
  for (const v1::Objective& o : objectives) header.push_back(GoalName(o) + ":" + o.metric());
  header.push_back("architecture");
  CsvTable table(std::move(header));
  for (const v1::Individual& i : front) {
    std::vector<std::string> row = {absl::StrCat(i.id()), absl::StrCat(i.birth_order())};
    for (int k = 0; k < static_cast<int>(objectives.size()); ++k) {
      row.push_back(k < i.objective_values_size() ? CsvNumber(i.objective_values(k)) : "");
    }
    row.push_back(i.architecture().text());
    table.AddRow(std::move(row));
  }
  return table.ToString();
}

}  // namespace nas
