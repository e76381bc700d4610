// Image folders made from real data for tests: the 8x8 digits of
// ../shared/data as one grayscale PNG per example, DIR/<digit>/<index>.png.
#ifndef NAS_TESTS_TESTING_IMAGE_FOLDERS_H_
#define NAS_TESTS_TESTING_IMAGE_FOLDERS_H_

#include <string>

#include "absl/status/status.h"

namespace nas::testing {

// Writes the first `examples` digits under `dir`, each upscaled `scale` times
// (nearest neighbour: 8 * scale pixels a side). Reads NAS_SHARED_DATA.
absl::Status WriteDigitsImageFolder(const std::string& dir, int examples, int scale = 1);

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_IMAGE_FOLDERS_H_
