// From the stored weights of an individual to a TorchScript module: the
// bytes a worker uploaded (worker/model/darts_checkpoint.h for the darts_cell
// space, worker/nash/checkpoint.h for the convnet space,
// worker/tfnas/checkpoint.h for retrained TF-NAS networks) are loaded into
// the network they describe, which is then exported
// (worker/export/torchscript_export.h).
#ifndef NAS_WORKER_EXPORT_CHECKPOINT_EXPORT_H_
#define NAS_WORKER_EXPORT_CHECKPOINT_EXPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "torch/script.h"

namespace nas {

struct ExportedNetwork {
  torch::jit::Module module;
  std::string kind;  // "darts_cell", "convnet" or "tfnas".
  int64_t in_channels = 0;
  int64_t num_classes = 0;
};

// Loads `checkpoint` and exports it. `architecture` is the individual's
// canonical architecture text; the checkpoint must hold that architecture.
// Errors:
//   INVALID_ARGUMENT  bytes of none of the formats, or of another architecture
//                     (both named);
//   DATA_LOSS         a corrupt checkpoint;
//   INTERNAL          the network could not be exported.
// Never throws.
absl::StatusOr<ExportedNetwork> ExportCheckpoint(absl::string_view architecture,
                                                 absl::string_view checkpoint);

}  // namespace nas

#endif  // NAS_WORKER_EXPORT_CHECKPOINT_EXPORT_H_
