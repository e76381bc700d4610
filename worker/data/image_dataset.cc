#include "worker/data/image_dataset.h"

#include <zlib.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/random/seeded_random.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

constexpr int kDigitsPixels = 64;
constexpr int kDigitsMaxPixel = 16;
constexpr int64_t kCifarPixels = 3 * 32 * 32;
constexpr int64_t kCifarRecord = 1 + kCifarPixels;

bool FileExists(const std::string& path) {
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
    return true;
  }
  return false;
}

// The whole file, gunzipped when it is gzip (zlib passes plain files through).
absl::StatusOr<std::string> ReadMaybeGzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return absl::NotFoundError(absl::StrCat(path, ": cannot be opened"));
  gzbuffer(f, 1 << 18);
  std::string out;
  std::vector<char> buffer(1 << 18);
  int n;
  while ((n = gzread(f, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
    out.append(buffer.data(), n);
  }
  // A stream cut short ends reading without n < 0; zlib still records it.
  int error_code = Z_OK;
  const std::string error = gzerror(f, &error_code);
  gzclose(f);
  if (n < 0 || error_code != Z_OK) {
    return absl::DataLossError(absl::StrCat(path, ": read failed (corrupt gzip?): ", error));
  }
  return out;
}

// `base` if it exists, else `base`.gz.
absl::StatusOr<std::pair<std::string, std::string>> ReadPlainOrGz(const std::string& base) {
  for (const std::string& path : {base, base + ".gz"}) {
    if (FileExists(path)) {
      ASSIGN_OR_RETURN(std::string bytes, ReadMaybeGzip(path));
      return std::make_pair(path, std::move(bytes));
    }
  }
  return absl::NotFoundError(absl::StrCat(base, " (or ", base, ".gz): no such file"));
}

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

// Scales to zero mean and unit standard deviation over the whole dataset.
torch::Tensor Normalise(const torch::Tensor& images) {
  // Always a copy: `images` may borrow memory (from_blob) that is about to go.
  torch::Tensor x = images.to(torch::kFloat32, /*non_blocking=*/false, /*copy=*/true);
  const torch::Tensor mean = x.mean();
  const torch::Tensor std = x.std().clamp_min(1e-6);
  return x.sub_(mean).div_(std);
}

absl::StatusOr<ImageDataset> Finish(const torch::Tensor& images, torch::Tensor labels,
                                    int num_classes, const std::string& source) {
  if (labels.size(0) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": holds no examples"));
  }
  const int64_t min_label = labels.min().item<int64_t>();
  const int64_t max_label = labels.max().item<int64_t>();
  if (min_label < 0 || max_label >= num_classes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": label ", min_label < 0 ? min_label : max_label, " is outside the ",
                     num_classes, " classes 0..", num_classes - 1));
  }
  return ImageDataset{Normalise(images), std::move(labels), num_classes};
}

// Digits CSV: one line's 65 fields appended to `pixels` and `labels`.
absl::Status ParseDigitsLine(absl::string_view line, const std::string& where,
                             std::vector<float>& pixels, std::vector<int64_t>& labels) {
  std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
  if (fields.size() != kDigitsPixels + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": has ", fields.size(), " fields; expected 64 pixels and a label"));
  }
  for (int i = 0; i < kDigitsPixels; ++i) {
    int value = 0;
    if (!absl::SimpleAtoi(fields[i], &value) || value < 0 || value > kDigitsMaxPixel) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " field ", i + 1, ": '", fields[i], "' is not a pixel value 0..16"));
    }
    pixels.push_back(static_cast<float>(value));
  }
  int label = 0;
  if (!absl::SimpleAtoi(fields[kDigitsPixels], &label) || label < 0 || label > 9) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " field 65: '", fields[kDigitsPixels], "' is not a label 0..9"));
  }
  labels.push_back(label);
  return absl::OkStatus();
}

ImageDataset Subset(const ImageDataset& all, const std::vector<int64_t>& order, int64_t begin,
                    int64_t end) {
  const torch::Tensor index = torch::tensor(
      std::vector<int64_t>(order.begin() + begin, order.begin() + end), torch::kInt64);
  return ImageDataset{all.images.index_select(0, index), all.labels.index_select(0, index),
                      all.num_classes};
}

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
  // from_blob does not copy: the conversions below make owned tensors.
  auto* image_data = const_cast<char*>(image_bytes.data() + 16);
  auto* label_data = const_cast<char*>(label_bytes.data() + 8);
  const torch::Tensor pixels =
      torch::from_blob(image_data, {n, 1, image_dims[1], image_dims[2]}, torch::kUInt8);
  torch::Tensor label_tensor = torch::from_blob(label_data, {n}, torch::kUInt8).to(torch::kInt64);
  return Finish(pixels, std::move(label_tensor), 10, labels_path);
}

absl::StatusOr<ImageDataset> LoadDigitsCsv(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadMaybeGzip(path));
  std::vector<float> pixels;
  std::vector<int64_t> labels;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    RETURN_IF_ERROR(
        ParseDigitsLine(line, absl::StrCat(path, " line ", line_number), pixels, labels));
  }
  const int64_t n = static_cast<int64_t>(labels.size());
  const torch::Tensor images = torch::from_blob(pixels.data(), {n, 1, 8, 8}, torch::kFloat32);
  torch::Tensor label_tensor = torch::from_blob(labels.data(), {n}, torch::kInt64).clone();
  return Finish(images, std::move(label_tensor), 10, path);
}

absl::StatusOr<ImageDataset> LoadCifar10Binary(const std::string& dir, bool train) {
  std::vector<std::string> files;
  if (train) {
    for (int i = 1; i <= 5; ++i) files.push_back(absl::StrCat(dir, "/data_batch_", i, ".bin"));
  } else {
    files.push_back(absl::StrCat(dir, "/test_batch.bin"));
  }
  std::vector<torch::Tensor> images, labels;
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(std::string bytes, ReadMaybeGzip(file));
    const int64_t size = static_cast<int64_t>(bytes.size());
    if (size == 0 || size % kCifarRecord != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": size ", size, " bytes is not a positive multiple of the ",
                       kCifarRecord, "-byte CIFAR-10 record (1 label + 3072 pixels)"));
    }
    const torch::Tensor records =
        torch::from_blob(bytes.data(), {size / kCifarRecord, kCifarRecord}, torch::kUInt8);
    labels.push_back(records.select(1, 0).to(torch::kInt64));
    images.push_back(records.slice(1, 1).reshape({-1, 3, 32, 32}).clone());
  }
  return Finish(torch::cat(images), torch::cat(labels), 10,
                absl::StrCat(dir, "/", train ? "data_batch_*.bin" : "test_batch.bin"));
}

absl::StatusOr<ImageDataset> LoadDataset(const v1::Dataset& spec) {
  if (spec.path().empty()) return absl::InvalidArgumentError("dataset.path: must be set");
  switch (spec.format()) {
    case v1::Dataset::IDX:
      return LoadIdxDataset(spec.path(), /*train=*/true);
    case v1::Dataset::DIGITS_CSV:
      return LoadDigitsCsv(spec.path());
    case v1::Dataset::CIFAR10_BINARY:
      return LoadCifar10Binary(spec.path(), /*train=*/true);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("dataset.format: ", v1::Dataset::Format_Name(spec.format()),
                       " is not readable; must be IDX, DIGITS_CSV or CIFAR10_BINARY"));
  }
}

absl::StatusOr<TrainValidationSplit> SplitTrainValidation(const ImageDataset& all,
                                                          int validation_examples,
                                                          int train_examples, uint64_t seed) {
  const int64_t n = all.size();
  if (validation_examples <= 0 || validation_examples >= n) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset.validation_examples: ", validation_examples, " must be in 1..", n - 1,
                     " (the dataset has ", n, " examples)"));
  }
  const int64_t rest = n - validation_examples;
  if (train_examples < 0 || train_examples > rest) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset.train_examples: ", train_examples, " must be in 0..", rest,
                     " (what remains after the validation split; 0 = all of it)"));
  }
  // Fisher-Yates with the project's portable generator: LibTorch's randperm
  // may differ between versions, and every worker must agree on the split.
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  SeededRandom rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    std::swap(order[i], order[rng.Uniform(static_cast<int>(i + 1))]);
  }
  const int64_t train_end = validation_examples + (train_examples > 0 ? train_examples : rest);
  TrainValidationSplit split;
  split.validation = Subset(all, order, 0, validation_examples);
  split.train = Subset(all, order, validation_examples, train_end);
  return split;
}

}  // namespace nas
