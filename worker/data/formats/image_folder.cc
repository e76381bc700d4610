#include "worker/data/formats/image_folder.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status_macros.h"
#include "worker/data/dataset_format_registry.h"
#include "worker/data/formats/image_decoding.h"

namespace nas {
namespace {

namespace fs = std::filesystem;

// The sorted names of `dir`'s subfolders (`folders`) or regular files,
// skipping names that start with '.'.
absl::StatusOr<std::vector<std::string>> SortedEntries(const std::string& dir, bool folders) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat(dir, ": no such directory"));
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code type_error;
    const bool keep = folders ? it->is_directory(type_error) : it->is_regular_file(type_error);
    if (keep && !type_error) names.push_back(name);
  }
  if (error) {
    return absl::NotFoundError(absl::StrCat(dir, ": cannot be listed: ", error.message()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<DecodedImage> DecodeFile(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string bytes, ReadMaybeGzip(path));
  return DecodeImage(bytes, path);
}

// Opens both folders and checks that the validation folder has the training
// folder's classes and image shape.
absl::StatusOr<
    std::pair<std::shared_ptr<const ImageFolderSource>, std::shared_ptr<const ImageFolderSource>>>
OpenFolders(const v1::Dataset& spec) {
  ASSIGN_OR_RETURN(auto examples, ImageFolderSource::Open(spec.path()));
  if (spec.validation_path().empty()) return std::make_pair(examples, nullptr);
  ASSIGN_OR_RETURN(auto validation, ImageFolderSource::Open(spec.validation_path()));
  if (validation->class_names() != examples->class_names()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset.validation_path ", spec.validation_path(), ": its class subfolders (",
        absl::StrJoin(validation->class_names(), ", "), ") must be those of dataset.path (",
        absl::StrJoin(examples->class_names(), ", "), ")"));
  }
  if (validation->image_shape() != examples->image_shape()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset.validation_path ", spec.validation_path(), ": its images are ",
                     absl::StrJoin(validation->image_shape(), "x"),
                     " (channels x height x width); those of dataset.path are ",
                     absl::StrJoin(examples->image_shape(), "x")));
  }
  return std::make_pair(examples, validation);
}

// In memory when both folders' decoded images fit the budget; streamed
// from their files otherwise.
absl::StatusOr<DatasetFiles> ReadImageFolders(const v1::Dataset& spec,
                                              const DatasetReadOptions& options) {
  ASSIGN_OR_RETURN(auto folders, OpenFolders(spec));
  const auto& [examples, validation] = folders;
  DatasetFiles files;
  files.class_names = examples->class_names();
  const int64_t bytes = examples->DecodedBytes() + (validation ? validation->DecodedBytes() : 0);
  if (options.max_in_memory_bytes > 0 && bytes > options.max_in_memory_bytes) {
    files.streamed_examples = examples;
    files.streamed_validation = validation;
    return files;
  }
  ASSIGN_OR_RETURN(files.examples, ReadAllExamples(*examples));
  if (validation) {
    ASSIGN_OR_RETURN(files.validation, ReadAllExamples(*validation));
  }
  return files;
}

const DatasetFormatRegistrar kRegistrar({v1::Dataset::IMAGE_FOLDER, "image_folder",
                                         ReadImageFolders});

}  // namespace

absl::StatusOr<std::shared_ptr<const ImageFolderSource>> ImageFolderSource::Open(
    const std::string& dir) {
  std::shared_ptr<ImageFolderSource> source(new ImageFolderSource());
  source->dir_ = dir;
  ASSIGN_OR_RETURN(source->class_names_, SortedEntries(dir, /*folders=*/true));
  if (source->class_names_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, ": has no class subfolders; needs one folder of images per class"));
  }
  std::vector<int64_t> labels;
  for (size_t label = 0; label < source->class_names_.size(); ++label) {
    const std::string folder = absl::StrCat(dir, "/", source->class_names_[label]);
    ASSIGN_OR_RETURN(const std::vector<std::string> names, SortedEntries(folder, false));
    if (names.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(folder, ": class folder holds no images; every class needs some"));
    }
    for (const std::string& name : names) {
      source->files_.push_back(absl::StrCat(folder, "/", name));
      labels.push_back(static_cast<int64_t>(label));
    }
  }
  source->labels_ = torch::tensor(labels, torch::kInt64);
  ASSIGN_OR_RETURN(const DecodedImage first, DecodeFile(source->files_[0]));
  source->channels_ = first.channels;
  source->height_ = first.height;
  source->width_ = first.width;
  return std::shared_ptr<const ImageFolderSource>(std::move(source));
}

absl::StatusOr<torch::Tensor> ImageFolderSource::ReadImages(absl::Span<const int64_t> rows) const {
  torch::Tensor images =
      torch::empty({static_cast<int64_t>(rows.size()), channels_, height_, width_});
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= size()) {
      return absl::OutOfRangeError(
          absl::StrCat(dir_, ": row ", rows[i], " is outside the folder's ", size(), " images"));
    }
    const std::string& path = files_[rows[i]];
    ASSIGN_OR_RETURN(const DecodedImage d, DecodeFile(path));
    if (d.height != height_ || d.width != width_ || d.channels != channels_) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": is ", d.width, "x", d.height, " with ", d.channels,
                       " channel(s); every image of the dataset must be like the first, ", width_,
                       "x", height_, " with ", channels_));
    }
    // Height x width x channels to channels x height x width, scaled.
    images[i].copy_(torch::from_blob(const_cast<uint8_t*>(d.pixels.data()),
                                     {d.height, d.width, d.channels}, torch::kUInt8)
                        .permute({2, 0, 1})
                        .to(torch::kFloat32)
                        .div_(255.0f));
  }
  return images;
}

absl::StatusOr<ImageDataset> LoadImageFolder(const std::string& dir,
                                             std::vector<std::string>* class_names) {
  ASSIGN_OR_RETURN(const auto source, ImageFolderSource::Open(dir));
  *class_names = source->class_names();
  return ReadAllExamples(*source);
}

}  // namespace nas
