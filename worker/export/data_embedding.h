// What an exported network needs to know of its data, inside the module:
// the per-channel normalisation the worker trained with and the class names,
// so that torch.jit.load(f)(images scaled to [0, 1]) gives the trained
// network's logits and f.class_names names them.
#ifndef NAS_WORKER_EXPORT_DATA_EMBEDDING_H_
#define NAS_WORKER_EXPORT_DATA_EMBEDDING_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "proto/search.pb.h"
#include "torch/script.h"

namespace nas {

// A module whose forward(x) is network.forward((x - mean[c]) / std[c]) with
// data.channel_mean and data.channel_std (no normalisation when both are
// empty), holding `network` as its submodule `network`, the statistics as
// buffers `input_mean` and `input_std` ([1, C, 1, 1]), and data.class_names
// as attribute `class_names` (List[str], empty when the data names none).
// INVALID_ARGUMENT unless mean and std have one finite entry per input
// channel (std > 0) or none, and class_names one name per class or none.
// Never throws.
absl::StatusOr<torch::jit::Module> EmbedDataDescription(torch::jit::Module network,
                                                        const v1::DataDescription& data,
                                                        int64_t in_channels, int64_t num_classes);

}  // namespace nas

#endif  // NAS_WORKER_EXPORT_DATA_EMBEDDING_H_
