#include "tests/testing/image_folders.h"

#include <png.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "worker/data/image_dataset.h"

namespace nas::testing {

absl::Status WriteGrayscaleImageFolder(const std::string& dir, const torch::Tensor& pixels,
                                       const torch::Tensor& labels) {
  const torch::Tensor contiguous = pixels.contiguous();
  for (int64_t i = 0; i < contiguous.size(0); ++i) {
    const std::string folder = absl::StrCat(dir, "/", labels[i].item<int64_t>());
    std::filesystem::create_directories(folder);
    png_image image;
    std::memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
    image.width = contiguous.size(3);
    image.height = contiguous.size(2);
    image.format = PNG_FORMAT_GRAY;
    const std::string path = absl::StrFormat("%s/%05d.png", folder, i);
    if (!png_image_write_to_file(&image, path.c_str(), 0, contiguous[i].data_ptr<uint8_t>(), 0,
                                 nullptr)) {
      return absl::InternalError(absl::StrCat(path, ": ", image.message));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteDigitsImageFolder(const std::string& dir, int examples, int scale) {
  const char* shared = std::getenv("NAS_SHARED_DATA");
  if (shared == nullptr) {
    return absl::FailedPreconditionError(
        "NAS_SHARED_DATA is not set: run scripts/test.sh, or bazel test "
        "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>");
  }
  absl::StatusOr<ImageDataset> digits =
      LoadDigitsCsv(absl::StrCat(shared, "/digits/digits.csv.gz"));
  if (!digits.ok()) return digits.status();
  if (examples > digits->size()) {
    return absl::InvalidArgumentError(absl::StrCat("only ", digits->size(), " digits"));
  }
  const torch::Tensor pixels = (digits->images.slice(0, 0, examples) * 255)
                                   .round()
                                   .repeat_interleave(scale, 2)
                                   .repeat_interleave(scale, 3)
                                   .to(torch::kUInt8);
  return WriteGrayscaleImageFolder(dir, pixels, digits->labels);
}

}  // namespace nas::testing
