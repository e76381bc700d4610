// Folders of PNG and JPEG images, one subfolder per class (IMAGE_FOLDER).
//
// A folder is listed when it is opened and its images are decoded when they
// are read, so a dataset larger than memory streams: the format reader keeps
// the images in memory when they fit the worker's budget
// (DatasetReadOptions::max_in_memory_bytes) and hands out the sources
// otherwise.
#ifndef NAS_WORKER_DATA_FORMATS_IMAGE_FOLDER_H_
#define NAS_WORKER_DATA_FORMATS_IMAGE_FOLDER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/data/dataset_files.h"
#include "worker/data/example_source.h"

namespace nas {

// Every regular file (names starting with '.' skipped) in every subfolder of
// a directory, decoded by its content (PNG or JPEG, not by its name). The
// sorted subfolder names are the class names (label = index). Images are
// pixels / 255; C = 1 for grayscale, 3 for colour (an alpha channel is
// composited onto black). Thread-safe.
class ImageFolderSource : public ExampleSource {
 public:
  // Lists `dir` and decodes its first image for the shape every image must
  // have. Errors name the file and the rule: NOT_FOUND for a missing `dir`;
  // INVALID_ARGUMENT for no subfolders, an empty class folder, or a first
  // image that is not a complete PNG or JPEG.
  static absl::StatusOr<std::shared_ptr<const ImageFolderSource>> Open(const std::string& dir);

  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  std::vector<int64_t> image_shape() const override { return {channels_, height_, width_}; }
  int num_classes() const override { return static_cast<int>(class_names_.size()); }
  const torch::Tensor& labels() const override { return labels_; }
  // INVALID_ARGUMENT naming the file when it is not a complete PNG or JPEG
  // or its size or channel count differs from the first image's.
  absl::StatusOr<torch::Tensor> ReadImages(absl::Span<const int64_t> rows) const override;

  const std::vector<std::string>& class_names() const { return class_names_; }
  const std::string& dir() const { return dir_; }
  // The path of `row`'s image.
  const std::string& file(int64_t row) const { return files_.at(row); }

 private:
  ImageFolderSource() = default;

  std::string dir_;
  std::vector<std::string> class_names_;
  std::vector<std::string> files_;  // Paths, class by class.
  torch::Tensor labels_;
  int64_t channels_ = 0, height_ = 0, width_ = 0;
};

// ImageFolderSource::Open(dir) read into memory, its class names in
// `class_names`.
absl::StatusOr<ImageDataset> LoadImageFolder(const std::string& dir,
                                             std::vector<std::string>* class_names);

}  // namespace nas

#endif  // NAS_WORKER_DATA_FORMATS_IMAGE_FOLDER_H_
