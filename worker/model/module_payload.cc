#include "worker/model/module_payload.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/model/tensor_signature.h"

namespace nas {

absl::StatusOr<std::string> SaveModulePayload(const torch::nn::Module& module,
                                              absl::string_view kind) {
  return CallGuarded(absl::StrCat("writing a ", kind, " checkpoint"),
                     [&]() -> absl::StatusOr<std::string> {
                       torch::serialize::OutputArchive archive;
                       module.save(archive);
                       std::ostringstream out;
                       archive.save_to(out);
                       return out.str();
                     });
}

absl::Status LoadModulePayload(absl::string_view payload, torch::nn::Module& module,
                               absl::string_view kind) {
  const auto expected = TensorSignature(module);
  RETURN_IF_ERROR(CallGuarded(
      absl::StrCat("reading the ", kind, " checkpoint's tensors"),
      [&]() -> absl::Status {
        std::istringstream in{std::string(payload)};
        torch::serialize::InputArchive archive;
        archive.load_from(in, torch::Device(torch::kCPU));
        module.load(archive);
        return absl::OkStatus();
      },
      absl::StatusCode::kDataLoss));
  if (TensorSignature(module) != expected) {
    return absl::DataLossError(absl::StrCat(
        "corrupt ", kind, " checkpoint: its tensors do not have the dtype and shapes its header "
        "implies"));
  }
  return absl::OkStatus();
}

}  // namespace nas
