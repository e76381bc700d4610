// How nas_export (nas_export.cc) tells its caller what it wrote, so that
// `nasctl export`, which has no LibTorch, can run it and describe the module:
// on success it exits 0 and prints one line
//   kind=K in_channels=C num_classes=N
// on its standard output; on failure it exits with the absl::StatusCode of
// the error (1..16) and prints the error's message on its standard error.
#ifndef NAS_WORKER_EXPORT_EXPORT_SUMMARY_H_
#define NAS_WORKER_EXPORT_EXPORT_SUMMARY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nas {

struct ExportSummary {
  std::string kind;  // "darts_cell", "convnet" or "tfnas".
  int64_t in_channels = 0;
  int64_t num_classes = 0;
};

// The line, with its newline.
std::string FormatExportSummary(const ExportSummary& summary);

// Reads the last non-empty line of `output`. INTERNAL if it is not a summary.
absl::StatusOr<ExportSummary> ParseExportSummary(absl::string_view output);

}  // namespace nas

#endif  // NAS_WORKER_EXPORT_EXPORT_SUMMARY_H_
