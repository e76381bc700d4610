// One mini-batch of images and their labels.
#ifndef NAS_WORKER_DATA_BATCH_H_
#define NAS_WORKER_DATA_BATCH_H_

#include "torch/torch.h"

namespace nas {

struct Batch {
  torch::Tensor images;  // [N, C, H, W] on the model's device.
  torch::Tensor labels;  // [N] int64.
};

// The rows `index` of `images` and `labels` (index on their device), moved to
// `device`.
inline Batch TakeBatch(const torch::Tensor& images, const torch::Tensor& labels,
                       const torch::Tensor& index, const torch::Device& device) {
  return {images.index_select(0, index).to(device), labels.index_select(0, index).to(device)};
}

}  // namespace nas

#endif  // NAS_WORKER_DATA_BATCH_H_
