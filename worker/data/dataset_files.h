// What a dataset format's reader produces, and the checks and file helpers
// the readers share. Readers return images scaled to [0, 1] (float32 files
// as they are); SplitTrainValidation (image_dataset.h) normalises them.
// All functions are thread-compatible and keep no state; none throws.
#ifndef NAS_WORKER_DATA_DATASET_FILES_H_
#define NAS_WORKER_DATA_DATASET_FILES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "torch/torch.h"
#include "worker/data/example_source.h"

namespace nas {

struct ImageDataset {
  // [N, C, H, W] float32: scaled to [0, 1] as read; normalised per channel
  // with the training split's statistics once split.
  torch::Tensor images;
  torch::Tensor labels;  // [N] int64 in [0, num_classes).
  int num_classes = 0;

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

// A format reader's result.
struct DatasetFiles {
  ImageDataset examples;
  // Empty (size 0) unless the format reads a separate validation set
  // (IMAGE_FOLDER's validation_path); then it has `examples`' classes.
  ImageDataset validation;
  // Index = label; empty where the format names no classes.
  std::vector<std::string> class_names;
  // Set instead of `examples` (and `validation`, where the format reads a
  // separate validation set) when the images are too large to hold in memory
  // (DatasetReadOptions::max_in_memory_bytes): they are read batch by batch.
  std::shared_ptr<const ExampleSource> streamed_examples;
  std::shared_ptr<const ExampleSource> streamed_validation;

  bool streamed() const { return streamed_examples != nullptr; }
};

// An ImageDataset of `pixels` ([N, C, H, W], any dtype; copied) times
// `scale` as float32 and `labels` ([N] int64). `num_classes` 0 = max label + 1.
// INVALID_ARGUMENT naming `source` if there are no examples or a label is
// negative or >= num_classes.
absl::StatusOr<ImageDataset> MakeImageDataset(const torch::Tensor& pixels, torch::Tensor labels,
                                              int num_classes, double scale,
                                              const std::string& source);

// Per-channel normalisation of [N, C, H, W] float32 images on the CPU:
// x -> (x - mean[c]) / std[c]. What the split applies to its halves and the
// streamed loader to each batch.
class ChannelNormalisation {
 public:
  ChannelNormalisation(const std::vector<float>& mean, const std::vector<float>& std)
      : mean_(torch::tensor(mean).view({1, -1, 1, 1})),
        std_(torch::tensor(std).view({1, -1, 1, 1})) {}

  // Normalises `images` in place and returns them.
  torch::Tensor& Apply(torch::Tensor& images) const { return images.sub_(mean_).div_(std_); }

 private:
  torch::Tensor mean_, std_;
};

// The examples `rows` of `source`, in that order, read into memory a chunk of
// rows at a time: images as the source returns them ([0, 1] floats), labels
// and classes the source's. The first bad file's error.
absl::StatusOr<ImageDataset> ReadExamples(const ExampleSource& source,
                                          absl::Span<const int64_t> rows);

// Every example of `source`, in row order.
absl::StatusOr<ImageDataset> ReadAllExamples(const ExampleSource& source);

bool FileExists(const std::string& path);

// The whole file, gunzipped when it is gzip (plain files pass through).
// NOT_FOUND if it cannot be opened, DATA_LOSS for a corrupt gzip stream.
absl::StatusOr<std::string> ReadMaybeGzip(const std::string& path);

// `base` if it exists, else `base`.gz: the path read and its bytes.
absl::StatusOr<std::pair<std::string, std::string>> ReadPlainOrGz(const std::string& base);

}  // namespace nas

#endif  // NAS_WORKER_DATA_DATASET_FILES_H_
