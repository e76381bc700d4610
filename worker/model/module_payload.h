// The payload of every trained-network checkpoint format (the frame is
// worker/model/checkpoint_frame.h): each parameter and buffer of a module,
// BatchNorm statistics included, by registered name, as torch::save writes
// them. Never throws.
#ifndef NAS_WORKER_MODEL_MODULE_PAYLOAD_H_
#define NAS_WORKER_MODEL_MODULE_PAYLOAD_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "torch/torch.h"

namespace nas {

// The bytes of `module`'s tensors. `kind` names the format in errors
// ("DARTS"); INTERNAL or RESOURCE_EXHAUSTED if LibTorch fails.
absl::StatusOr<std::string> SaveModulePayload(const torch::nn::Module& module,
                                              absl::string_view kind);

// Reads `payload` into `module` (on the CPU). DATA_LOSS "corrupt <kind>
// checkpoint: ..." when LibTorch cannot read it or when a tensor's dtype or
// shape differs from the module's (LibTorch's loader would accept those);
// RESOURCE_EXHAUSTED out of memory.
absl::Status LoadModulePayload(absl::string_view payload, torch::nn::Module& module,
                               absl::string_view kind);

}  // namespace nas

#endif  // NAS_WORKER_MODEL_MODULE_PAYLOAD_H_
