#include "worker/data/formats/idx.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status/status_macros.h"
#include "worker/data/dataset_format_registry.h"

namespace nas {
namespace {

uint32_t BigEndian32(const std::string& s, size_t offset) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data() + offset);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

// The dimensions of an unsigned-byte idx file of `rank` dimensions, after
// checking its magic number and that its size is exactly header + payload.
absl::StatusOr<std::vector<int64_t>> IdxDimensions(const std::string& bytes,
                                                   const std::string& path, int rank) {
  const uint32_t magic = 0x00000800u | static_cast<uint32_t>(rank);
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header || BigEndian32(bytes, 0) != magic) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: not an unsigned-byte idx file of %d dimension(s): the first 4 bytes must be "
        "the magic number 0x%08x",
        path, rank, magic));
  }
  std::vector<int64_t> dims;
  uint64_t payload = 1;
  for (int i = 0; i < rank; ++i) {
    dims.push_back(BigEndian32(bytes, 4 + 4 * i));
    payload *= static_cast<uint64_t>(dims.back());
    if (payload > bytes.size()) break;  // Too large either way; avoids overflow.
  }
  if (payload != bytes.size() - header) {
    std::string shape = absl::StrJoin(dims, "x");
    return absl::InvalidArgumentError(absl::StrCat(path, ": file size ", bytes.size(),
                                                   " bytes does not match its header (", header,
                                                   " header bytes + ", shape, " data bytes)"));
  }
  return dims;
}

absl::StatusOr<DatasetFiles> ReadIdx(const v1::Dataset& spec, const DatasetReadOptions&) {
  DatasetFiles files;
  ASSIGN_OR_RETURN(files.examples, LoadIdxDataset(spec.path(), /*train=*/true));
  return files;  // The files name no classes.
}

const DatasetFormatRegistrar kRegistrar({v1::Dataset::IDX, "idx", ReadIdx});

}  // namespace

absl::StatusOr<ImageDataset> LoadIdxDataset(const std::string& dir, bool train) {
  const std::string prefix = absl::StrCat(dir, "/", train ? "train" : "t10k");
  ASSIGN_OR_RETURN(auto images, ReadPlainOrGz(prefix + "-images-idx3-ubyte"));
  ASSIGN_OR_RETURN(auto labels, ReadPlainOrGz(prefix + "-labels-idx1-ubyte"));
  const auto& [images_path, image_bytes] = images;
  const auto& [labels_path, label_bytes] = labels;
  ASSIGN_OR_RETURN(std::vector<int64_t> image_dims, IdxDimensions(image_bytes, images_path, 3));
  ASSIGN_OR_RETURN(std::vector<int64_t> label_dims, IdxDimensions(label_bytes, labels_path, 1));
  const int64_t n = image_dims[0];
  if (label_dims[0] != n) {
    return absl::InvalidArgumentError(absl::StrCat(labels_path, ": holds ", label_dims[0],
                                                   " labels but ", images_path, " holds ", n,
                                                   " images; need one label per image"));
  }
  // from_blob does not copy: MakeImageDataset and .to() make owned tensors.
  auto* image_data = const_cast<char*>(image_bytes.data() + 16);
  auto* label_data = const_cast<char*>(label_bytes.data() + 8);
  const torch::Tensor pixels =
      torch::from_blob(image_data, {n, 1, image_dims[1], image_dims[2]}, torch::kUInt8);
  torch::Tensor label_tensor = torch::from_blob(label_data, {n}, torch::kUInt8).to(torch::kInt64);
  return MakeImageDataset(pixels, std::move(label_tensor), /*num_classes=*/0, 1.0 / 255,
                          labels_path);
}

}  // namespace nas
