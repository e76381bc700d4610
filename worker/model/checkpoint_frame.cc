#include "worker/model/checkpoint_frame.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "zlib.h"

namespace nas {
namespace {

constexpr size_t kMagicSize = 8;
constexpr size_t kPreambleSize = kMagicSize + 8 + 1;  // Magic, checksum, newline.

uint32_t Crc32(absl::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (!data.empty()) {  // zlib takes at most uInt bytes at a time.
    const size_t n = std::min<size_t>(data.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace

std::string FrameCheckpoint(absl::string_view magic,
                            const std::vector<std::pair<std::string, std::string>>& header,
                            absl::string_view payload) {
  std::string body;
  for (const auto& [key, value] : header) absl::StrAppend(&body, key, ": ", value, "\n");
  absl::StrAppend(&body, "payload_bytes: ", payload.size(), "\n\n", payload);
  return absl::StrCat(magic, absl::StrFormat("%08x", Crc32(body)), "\n", body);
}

absl::StatusOr<CheckpointFrame> ParseCheckpointFrame(absl::string_view bytes,
                                                     absl::string_view magic,
                                                     absl::string_view kind) {
  auto corrupt = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat("corrupt ", kind, " checkpoint: ", why));
  };
  uint32_t stored = 0;
  if (bytes.size() < kPreambleSize || !absl::StartsWith(bytes, magic) ||
      bytes[kPreambleSize - 1] != '\n' ||
      !absl::SimpleHexAtoi(bytes.substr(kMagicSize, 8), &stored) ||
      // Exactly as written, so that e.g. a changed letter case is caught.
      absl::StrFormat("%08x", stored) != bytes.substr(kMagicSize, 8)) {
    return corrupt(absl::StrCat("does not start with '", magic, "' and a checksum (", bytes.size(),
                                " bytes)"));
  }
  const absl::string_view body = bytes.substr(kPreambleSize);
  if (Crc32(body) != stored) {
    return corrupt(
        absl::StrCat("checksum mismatch over ", body.size(), " bytes (truncated or altered)"));
  }
  const size_t end = body.find("\n\n");
  if (end == absl::string_view::npos) return corrupt("no end of header");
  CheckpointFrame frame;
  for (absl::string_view line : absl::StrSplit(body.substr(0, end), '\n')) {
    std::vector<std::string> kv = absl::StrSplit(line, absl::MaxSplits(": ", 1));
    if (kv.size() == 2) frame.header[kv[0]] = kv[1];
  }
  frame.payload = body.substr(end + 2);
  int64_t payload_bytes = -1;
  if (!absl::SimpleAtoi(frame.header["payload_bytes"], &payload_bytes) ||
      payload_bytes != static_cast<int64_t>(frame.payload.size())) {
    return corrupt("header fields missing or inconsistent with the payload");
  }
  return frame;
}

}  // namespace nas
