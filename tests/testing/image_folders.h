// Image folders made from real data for tests and benchmarks: one grayscale
// PNG per example, DIR/<label>/<index>.png.
#ifndef NAS_TESTS_TESTING_IMAGE_FOLDERS_H_
#define NAS_TESTS_TESTING_IMAGE_FOLDERS_H_

#include <string>

#include "absl/status/status.h"
#include "torch/torch.h"

namespace nas::testing {

// Writes `pixels` ([N, 1, H, W] uint8) as N PNGs under `dir`, each in the
// folder of its label (`labels`, [N] int64).
absl::Status WriteGrayscaleImageFolder(const std::string& dir, const torch::Tensor& pixels,
                                       const torch::Tensor& labels);

// Writes the first `examples` of the 8x8 digits of ../shared/data under `dir`, each upscaled
// `scale` times (nearest neighbour: 8 * scale pixels a side). Reads NAS_SHARED_DATA.
absl::Status WriteDigitsImageFolder(const std::string& dir, int examples, int scale = 1);

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_IMAGE_FOLDERS_H_
