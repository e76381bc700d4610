// The frame every trained-network checkpoint shares: a format name, a
// checksum over everything after it, a small text header and the LibTorch
// payload. The checksum makes any truncation or changed byte DATA_LOSS rather
// than a network with silently wrong weights (LibTorch's own archive does
// not promise to notice).
//
//   <magic, 8 bytes><crc32 of the body, 8 lowercase hex digits>"\n"<body>
//   body = "<key>: <value>\n" ... "payload_bytes: <n>\n\n"<payload>
#ifndef NAS_WORKER_MODEL_CHECKPOINT_FRAME_H_
#define NAS_WORKER_MODEL_CHECKPOINT_FRAME_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nas {

// The framed bytes; `header` in the order given, then payload_bytes.
std::string FrameCheckpoint(absl::string_view magic,
                            const std::vector<std::pair<std::string, std::string>>& header,
                            absl::string_view payload);

struct CheckpointFrame {
  std::map<std::string, std::string> header;  // payload_bytes included.
  absl::string_view payload;                  // Into the parsed bytes.
};

// Checks magic, checksum and payload size. DATA_LOSS "corrupt <kind>
// checkpoint: ..." when any of them is wrong.
absl::StatusOr<CheckpointFrame> ParseCheckpointFrame(absl::string_view bytes,
                                                     absl::string_view magic,
                                                     absl::string_view kind);

}  // namespace nas

#endif  // NAS_WORKER_MODEL_CHECKPOINT_FRAME_H_
