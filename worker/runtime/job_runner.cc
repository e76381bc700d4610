#include "worker/runtime/job_runner.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nas {

std::string EpochLine(const v1::EpochProgress& report) {
  std::string line = absl::StrCat("epoch ", report.epoch(), "/", report.epochs(), ":");
  const std::map<std::string, double> metrics(report.metrics().begin(), report.metrics().end());
  const char* separator = " ";
  for (const auto& [name, value] : metrics) {
    absl::StrAppend(&line, separator, name, " ", absl::StrFormat("%.4g", value));
    separator = ", ";
  }
  return line;
}

}  // namespace nas
