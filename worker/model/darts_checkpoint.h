// A trained DartsNetwork as bytes, so that the weights of a candidate can be
// stored by the controller and rebuilt elsewhere (e.g. by `nasctl export`).
//
// Format (version 1):
//   "NASDART1" <crc32 of the body, 8 lowercase hex digits> "\n" <body>
//   body = "genome: <canonical DARTS genome text>\n"
//          "in_channels: <n>\nnum_classes: <n>\ninit_channels: <n>\ncells: <n>\n"
//          "payload_bytes: <n>\n\n"
//          <payload: torch::save of the network: every parameter and buffer,
//           BatchNorm running statistics included, by registered name>
// The header holds everything needed to rebuild the network, so the bytes
// alone are enough to load it. The checksum turns truncation or any changed
// byte into DATA_LOSS instead of a network with silently wrong weights.
#ifndef NAS_WORKER_MODEL_DARTS_CHECKPOINT_H_
#define NAS_WORKER_MODEL_DARTS_CHECKPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/genome/darts_genome.h"
#include "worker/model/darts_network.h"

namespace nas {

// A network together with what built it.
struct LoadedDartsNetwork {
  DartsGenome genome;
  DartsNetworkOptions options;
  DartsNetwork net{nullptr};
};

// The bytes of `net`, which must have been built from `genome` and `options`
// and hold float32 tensors (on any device). INVALID_ARGUMENT if the network's
// tensors do not match what genome and options imply; INTERNAL or
// RESOURCE_EXHAUSTED if LibTorch fails. Never throws.
absl::StatusOr<std::string> SerializeDartsNetwork(const DartsGenome& genome,
                                                  const DartsNetworkOptions& options,
                                                  DartsNetwork& net);

// The network stored in `bytes`, on the CPU, in eval mode. Errors:
//   DATA_LOSS          not a DARTS checkpoint, truncated, checksum mismatch,
//                      an invalid header, or tensors LibTorch cannot read or
//                      whose shapes differ from what the header implies;
//   RESOURCE_EXHAUSTED out of memory.
// Never throws.
absl::StatusOr<LoadedDartsNetwork> DeserializeDartsNetwork(absl::string_view bytes);

// Whether `bytes` starts like a DARTS checkpoint (checks nothing else).
bool LooksLikeDartsCheckpoint(absl::string_view bytes);

}  // namespace nas

#endif  // NAS_WORKER_MODEL_DARTS_CHECKPOINT_H_
