// A ConvNet's weights as bytes, for storing a parent so that a worker
// elsewhere can make its children.
//
// Format (version 1):
//   "NASCONV1" <crc32 of the body, 8 lowercase hex digits> "\n" <body>
//   body = "genome: <canonical genome text>\n"
//          "in_channels: <n>\nnum_classes: <n>\ndtype: <Float|Double|Half|BFloat16>\n"
//          "payload_bytes: <n>\n\n"
//          <payload: torch::save of the module: every parameter and buffer,
//           BatchNorm running statistics included, by registered name>
// The checksum makes any truncation or changed byte DATA_LOSS rather than a
// network with silently wrong weights (LibTorch's own archive does not
// promise to notice).
#ifndef NAS_WORKER_NASH_CHECKPOINT_H_
#define NAS_WORKER_NASH_CHECKPOINT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/genome/convnet_genome.h"
#include "worker/nash/convnet.h"

namespace nas {

// The bytes of `net` (on any device; the tensors are written as they are,
// dtype included). INTERNAL or RESOURCE_EXHAUSTED if LibTorch fails.
absl::StatusOr<std::string> SerializeNet(ConvNet& net);

// The network stored in `bytes`, on the CPU, in training mode (as a newly
// built network), with the dtype it was saved with. Errors:
//   DATA_LOSS         not a checkpoint, truncated, checksum mismatch, or a
//                     payload LibTorch cannot read or whose tensors do not
//                     have the shapes the genome implies;
//   INVALID_ARGUMENT  an intact checkpoint of another genome, input channel
//                     count or class count (named), or an invalid genome;
//   RESOURCE_EXHAUSTED out of memory.
absl::StatusOr<ConvNet> DeserializeNet(const ConvNetGenome& genome, int64_t in_channels,
                                       int64_t num_classes, const std::string& bytes);

}  // namespace nas

#endif  // NAS_WORKER_NASH_CHECKPOINT_H_
