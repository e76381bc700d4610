// A trained TF-NAS network as bytes, so that the retrain of a TF-NAS search's
// derived architecture keeps its weights on the controller and can be rebuilt
// elsewhere (e.g. by `nasctl export`).
//
// Format (version 1), in worker/model/checkpoint_frame's frame:
//   "NASTFNA1" <crc32 of the body, 8 lowercase hex digits> "\n" <body>
//   body = "space: <nas.v1.TfNasSpace, defaults filled, one-line text format>\n"
//          "genome: <canonical TF-NAS genome text>\n"
//          "payload_bytes: <n>\n\n"
//          <payload: torch::save of the network, BatchNorm statistics included>
// The header holds everything needed to rebuild the network.
#ifndef NAS_WORKER_TFNAS_CHECKPOINT_H_
#define NAS_WORKER_TFNAS_CHECKPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/genome/tfnas_genome.h"
#include "common/genome/tfnas_space.h"
#include "proto/search.pb.h"
#include "worker/tfnas/network.h"

namespace nas {

struct LoadedTfNasNetwork {
  v1::TfNasSpace space_spec;  // Defaults filled.
  TfNasSpace space;
  TfNasGenome genome;
  TfNasNetwork net{nullptr};  // On the CPU, in eval mode.
};

// The bytes of `net`, which must have been built from the space `space_spec`
// describes and `genome`, with float32 tensors (on any device).
// INVALID_ARGUMENT if its tensors are not those; INTERNAL or
// RESOURCE_EXHAUSTED if LibTorch fails. Never throws.
absl::StatusOr<std::string> SerializeTfNasNetwork(const v1::TfNasSpace& space_spec,
                                                  const TfNasGenome& genome, TfNasNetwork& net);

// The network stored in `bytes`. DATA_LOSS for anything but an intact
// checkpoint of this format (named); RESOURCE_EXHAUSTED out of memory.
// Never throws.
absl::StatusOr<LoadedTfNasNetwork> DeserializeTfNasNetwork(absl::string_view bytes);

// Whether `bytes` starts like a TF-NAS checkpoint (checks nothing else).
bool LooksLikeTfNasCheckpoint(absl::string_view bytes);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_CHECKPOINT_H_
