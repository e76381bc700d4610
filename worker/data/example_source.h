// Labelled images read on demand, a few rows at a time: what a dataset too
// large to decode into memory offers instead of an ImageDataset. Image
// folders are the format that streams (formats/image_folder.h); the
// PrefetchLoader (prefetch_loader.h) reads batches of rows from a source with
// a pool of threads.
#ifndef NAS_WORKER_DATA_EXAMPLE_SOURCE_H_
#define NAS_WORKER_DATA_EXAMPLE_SOURCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "torch/torch.h"

namespace nas {

// Implementations are thread-safe: many threads read at once.
class ExampleSource {
 public:
  virtual ~ExampleSource() = default;

  // Rows are 0..size()-1.
  virtual int64_t size() const = 0;
  // {channels, height, width} of every image.
  virtual std::vector<int64_t> image_shape() const = 0;
  virtual int num_classes() const = 0;
  // [size()] int64 in [0, num_classes()): every row's label, kept in memory
  // (8 bytes an example).
  virtual const torch::Tensor& labels() const = 0;
  // The images of `rows` in that order, [rows.size(), C, H, W] float32 on the
  // CPU scaled to [0, 1]. Errors name the file and the rule (a file that is
  // no longer a complete image, or one whose shape differs from the others).
  virtual absl::StatusOr<torch::Tensor> ReadImages(absl::Span<const int64_t> rows) const = 0;

  // Bytes the decoded float32 images would take in memory.
  int64_t DecodedBytes() const {
    int64_t bytes = size() * static_cast<int64_t>(sizeof(float));
    for (int64_t d : image_shape()) bytes *= d;
    return bytes;
  }
};

}  // namespace nas

#endif  // NAS_WORKER_DATA_EXAMPLE_SOURCE_H_
