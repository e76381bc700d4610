// The FLOPs of a network as NAS papers count them: the multiply-adds of one
// image through its convolutions and fully connected layers (BatchNorm,
// activations, pooling and additions are left out, as they are in the
// DARTS, PC-DARTS and TF-NAS papers' "FLOPs"/"multi-adds").
#ifndef NAS_WORKER_MODEL_MULTIPLY_ADDS_H_
#define NAS_WORKER_MODEL_MULTIPLY_ADDS_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "torch/torch.h"

namespace nas {

// Runs `forward` once on a zero batch of one image of `image_shape`
// ([C, H, W]) on the CPU, without gradients and with `module` in eval mode
// (restored afterwards), and counts the multiply-adds of every convolution
// (aten::conv2d: output elements x input channels per group x kernel area)
// and matrix product (aten::linear, addmm, mm, bmm: output elements x the
// inner dimension; one enclosed in another counted once) it runs, as
// LibTorch dispatches them: the count follows the network's real forward,
// whatever its structure. `module` must be on the CPU.
// INVALID_ARGUMENT for a bad shape; INTERNAL if the forward throws.
absl::StatusOr<int64_t> CountMultiplyAdds(
    torch::nn::Module& module, const std::function<torch::Tensor(const torch::Tensor&)>& forward,
    const std::vector<int64_t>& image_shape);

}  // namespace nas

#endif  // NAS_WORKER_MODEL_MULTIPLY_ADDS_H_
