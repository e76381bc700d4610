#include "worker/export/export_summary.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nas {

std::string FormatExportSummary(const ExportSummary& summary) {
  return absl::StrCat("kind=", summary.kind, " in_channels=", summary.in_channels,
                      " num_classes=", summary.num_classes, "\n");
}

absl::StatusOr<ExportSummary> ParseExportSummary(absl::string_view output) {
  const std::vector<absl::string_view> lines = absl::StrSplit(output, '\n', absl::SkipWhitespace());
  const absl::string_view line = lines.empty() ? "" : lines.back();
  const std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
  ExportSummary summary;
  if (fields.size() == 3) {
    absl::string_view kind = fields[0], in_channels = fields[1], num_classes = fields[2];
    if (absl::ConsumePrefix(&kind, "kind=") && absl::ConsumePrefix(&in_channels, "in_channels=") &&
        absl::ConsumePrefix(&num_classes, "num_classes=") && !kind.empty() &&
        absl::SimpleAtoi(in_channels, &summary.in_channels) &&
        absl::SimpleAtoi(num_classes, &summary.num_classes)) {
      summary.kind = std::string(kind);
      return summary;
    }
  }
  return absl::InternalError(
      absl::StrCat("the export tool printed no summary of what it wrote: '", line, "'"));
}

}  // namespace nas
