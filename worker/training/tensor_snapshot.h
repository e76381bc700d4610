// For tests of resumed training: a module's state as copies, compared bit for
// bit (the resumed and the uninterrupted run must agree exactly on the CPU).
#ifndef NAS_WORKER_TRAINING_TENSOR_SNAPSHOT_H_
#define NAS_WORKER_TRAINING_TENSOR_SNAPSHOT_H_

#include <vector>

#include "torch/torch.h"

namespace nas::testing {

// The module's parameters, then its buffers (BatchNorm statistics), copied.
inline std::vector<torch::Tensor> StateTensors(const torch::nn::Module& module) {
  std::vector<torch::Tensor> all;
  for (const auto& t : module.parameters()) all.push_back(t.detach().clone());
  for (const auto& t : module.buffers()) all.push_back(t.clone());
  return all;
}

// Same count, shapes and values, element for element.
inline bool BitEqual(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].sizes().equals(b[i].sizes()) || !torch::equal(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace nas::testing

#endif  // NAS_WORKER_TRAINING_TENSOR_SNAPSHOT_H_
