// `nasctl export`: writes an individual's architecture and trained weights as
// a TorchScript module (see worker/export/), loadable without this project,
// e.g. in Python with torch.jit.load(path). nasctl downloads the weights; the
// nas_export program (controller/cli/export_tool.h) writes the module.
#ifndef NAS_CONTROLLER_CLI_EXPORT_COMMAND_H_
#define NAS_CONTROLLER_CLI_EXPORT_COMMAND_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proto/search_service.grpc.pb.h"

namespace nas {

struct ExportOptions {
  int64_t search_id = 0;      // The search whose best individual is exported...
  int64_t individual_id = 0;  // ...or this individual (of search_id, if that is set too).
  std::string out;            // The TorchScript file to write.
  std::string export_tool;    // nas_export; empty = FindExportTool's search.
  absl::Duration call_timeout = absl::Seconds(30);
};

// Fetches the individual, downloads its checkpoint (verified against its
// digest) and has nas_export rebuild the network and save it as TorchScript
// at options.out; reports what it wrote on `report`. When the search recorded
// a data description (Search.data), the module normalises its input with the
// per-channel statistics first, so it takes images scaled to [0, 1], and
// carries the class names (`class_names`); without one (older searches) the
// module is the bare network and the report says so. Errors:
//   INVALID_ARGUMENT    neither id given, no --out, or an individual of
//                       another search than --search;
//   NOT_FOUND           no such search or individual, or no evaluated
//                       individual yet;
//   FAILED_PRECONDITION the individual has no weights: its space is not
//                       trained (table lookup), it was not evaluated, or its
//                       weights were not kept (the individual is named), or
//                       nas_export is not found;
//   DATA_LOSS           downloaded bytes that do not match the digest or a
//                       corrupt checkpoint;
//   UNAVAILABLE         the controller cannot be reached or the file cannot be
//                       written.
absl::Status ExportIndividual(v1::SearchService::Stub& stub, const ExportOptions& options,
                              std::ostream& report);

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_EXPORT_COMMAND_H_
