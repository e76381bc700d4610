// PNG and JPEG decoding to 8-bit pixels, for IMAGE_FOLDER datasets.
// Thread-safe; never throws or aborts on bad input.
#ifndef NAS_WORKER_DATA_FORMATS_IMAGE_DECODING_H_
#define NAS_WORKER_DATA_FORMATS_IMAGE_DECODING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nas {

struct DecodedImage {
  int height = 0;
  int width = 0;
  int channels = 0;             // 1 (grayscale) or 3 (RGB).
  std::vector<uint8_t> pixels;  // height x width x channels, row by row.
};

// Decodes `bytes` by their signature: PNG (any bit depth, palette or not;
// alpha composited onto black) or JPEG (grayscale stays 1 channel, anything
// else becomes RGB). INVALID_ARGUMENT naming `path` for other content, or a
// truncated or corrupt image (a JPEG the decoder only warns about included).
absl::StatusOr<DecodedImage> DecodeImage(const std::string& bytes, const std::string& path);

}  // namespace nas

#endif  // NAS_WORKER_DATA_FORMATS_IMAGE_DECODING_H_
