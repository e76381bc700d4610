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

// Decodes `path` and checks it against the first image's shape.
absl::StatusOr<torch::Tensor> ReadImage(const std::string& path, const DecodedImage* first,
                                        DecodedImage* decoded) {
  ASSIGN_OR_RETURN(const std::string bytes, ReadMaybeGzip(path));
  ASSIGN_OR_RETURN(*decoded, DecodeImage(bytes, path));
  const DecodedImage& d = *decoded;
  if (first != nullptr &&
      (d.height != first->height || d.width != first->width || d.channels != first->channels)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is ", d.width, "x", d.height, " with ", d.channels,
                     " channel(s); every image of the dataset must be like the first, ",
                     first->width, "x", first->height, " with ", first->channels));
  }
  // Height x width x channels to channels x height x width, owned.
  return torch::from_blob(const_cast<uint8_t*>(d.pixels.data()), {d.height, d.width, d.channels},
                          torch::kUInt8)
      .permute({2, 0, 1})
      .contiguous();
}

absl::StatusOr<DatasetFiles> ReadImageFolders(const v1::Dataset& spec) {
  DatasetFiles files;
  ASSIGN_OR_RETURN(files.examples, LoadImageFolder(spec.path(), &files.class_names));
  if (spec.validation_path().empty()) return files;
  std::vector<std::string> validation_classes;
  ASSIGN_OR_RETURN(files.validation, LoadImageFolder(spec.validation_path(), &validation_classes));
  if (validation_classes != files.class_names) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset.validation_path ", spec.validation_path(), ": its class subfolders (",
                     absl::StrJoin(validation_classes, ", "), ") must be those of dataset.path (",
                     absl::StrJoin(files.class_names, ", "), ")"));
  }
  const torch::Tensor train_image = files.examples.images[0];
  const torch::Tensor validation_image = files.validation.images[0];
  if (train_image.sizes() != validation_image.sizes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset.validation_path ", spec.validation_path(), ": its images are ",
                     absl::StrJoin(validation_image.sizes(), "x"),
                     " (channels x height x width); those of dataset.path are ",
                     absl::StrJoin(train_image.sizes(), "x")));
  }
  return files;
}

const DatasetFormatRegistrar kRegistrar({v1::Dataset::IMAGE_FOLDER, "image_folder",
                                         ReadImageFolders});

}  // namespace

absl::StatusOr<ImageDataset> LoadImageFolder(const std::string& dir,
                                             std::vector<std::string>* class_names) {
  ASSIGN_OR_RETURN(*class_names, SortedEntries(dir, /*folders=*/true));
  if (class_names->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, ": has no class subfolders; needs one folder of images per class"));
  }
  std::vector<torch::Tensor> images;
  std::vector<int64_t> labels;
  DecodedImage first, decoded;
  for (size_t label = 0; label < class_names->size(); ++label) {
    const std::string folder = absl::StrCat(dir, "/", (*class_names)[label]);
    ASSIGN_OR_RETURN(const std::vector<std::string> names, SortedEntries(folder, false));
    if (names.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(folder, ": class folder holds no images; every class needs some"));
    }
    for (const std::string& name : names) {
      ASSIGN_OR_RETURN(torch::Tensor image, ReadImage(absl::StrCat(folder, "/", name),
                                                      images.empty() ? nullptr : &first, &decoded));
      if (images.empty()) first = decoded;
      images.push_back(std::move(image));
      labels.push_back(static_cast<int64_t>(label));
    }
  }
  return MakeImageDataset(torch::stack(images), torch::tensor(labels, torch::kInt64),
                          static_cast<int>(class_names->size()), 1.0 / 255, dir);
}

}  // namespace nas
