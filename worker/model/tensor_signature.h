#ifndef NAS_WORKER_MODEL_TENSOR_SIGNATURE_H_
#define NAS_WORKER_MODEL_TENSOR_SIGNATURE_H_

#include <map>
#include <string>

#include "torch/torch.h"

namespace nas {

// Every registered parameter's and buffer's dtype and shape, by name
// ("float [16, 3, 3, 3]"). Checkpoint loaders compare a network's signature
// before and after loading: LibTorch's loader would accept tensors of another
// shape or dtype in place of the ones the header promised.
std::map<std::string, std::string> TensorSignature(const torch::nn::Module& module);

}  // namespace nas

#endif  // NAS_WORKER_MODEL_TENSOR_SIGNATURE_H_
