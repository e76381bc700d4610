#include "worker/model/tensor_signature.h"

#include "absl/strings/str_cat.h"

namespace nas {

std::map<std::string, std::string> TensorSignature(const torch::nn::Module& module) {
  std::map<std::string, std::string> signature;
  auto describe = [](const torch::Tensor& t) {
    return absl::StrCat(c10::toString(t.scalar_type()), " ", c10::str(t.sizes()));
  };
  for (const auto& p : module.named_parameters()) signature[p.key()] = describe(p.value());
  for (const auto& b : module.named_buffers()) signature[b.key()] = describe(b.value());
  return signature;
}

}  // namespace nas
