// Finds and runs nas_export (worker/export/nas_export.cc), the program that
// turns a downloaded checkpoint into TorchScript: nasctl itself links no
// LibTorch, so that it runs wherever the controller's client libraries do.
#ifndef NAS_CONTROLLER_CLI_EXPORT_TOOL_H_
#define NAS_CONTROLLER_CLI_EXPORT_TOOL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/search.pb.h"
#include "worker/export/export_summary.h"

namespace nas {

// `flag` (nasctl's --export_tool) if set; else the first executable
// nas_export beside this program (an installation), in the Bazel output or
// runfiles tree this program is in (.../worker/export/nas_export beside
// .../controller/cli/nasctl), or on PATH. FAILED_PRECONDITION saying where it
// looked and how to get the tool if there is none, or if `flag` names no
// executable file.
absl::StatusOr<std::string> FindExportTool(const std::string& flag);

// Runs `tool` on `checkpoint` (bytes, written to a temporary file that is
// removed afterwards), which must hold `architecture`, writing the module to
// `out`; with `data` (non-null), the module normalises its input and carries
// the class names as `data` says (nas_export --data_description). Errors: the tool's, with its code
// and message; INTERNAL if it crashed or printed no summary; FAILED_PRECONDITION if it cannot be
// started; UNAVAILABLE if the temporary file cannot be written.
absl::StatusOr<ExportSummary> RunExportTool(const std::string& tool, absl::string_view architecture,
                                            absl::string_view checkpoint, const std::string& out,
                                            const v1::DataDescription* data = nullptr);

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_EXPORT_TOOL_H_
