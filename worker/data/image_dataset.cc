#include "worker/data/image_dataset.h"

#include <zlib.h>

#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nas {
namespace {

// Reads a whole file, gunzipping when it is gzip (zlib passes plain files through).
absl::StatusOr<std::string> ReadMaybeGzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return absl::NotFoundError(absl::StrCat(path, ": cannot be opened"));
  std::string out;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(f, buffer, sizeof(buffer))) > 0) out.append(buffer, n);
  const bool failed = n < 0;
  gzclose(f);
  if (failed) return absl::DataLossError(absl::StrCat(path, ": read error (corrupt gzip?)"));
  return out;
}

// The first of `candidates` (path, path.gz) that can be opened.
absl::StatusOr<std::string> ReadFirst(const std::string& base) {
  for (const std::string& p : {base, base + ".gz"}) {
    if (FILE* f = std::fopen(p.c_str(), "rb")) {
      std::fclose(f);
      return ReadMaybeGzip(p);
    }
  }
  return absl::NotFoundError(absl::StrCat(base, "[.gz]: no such file"));
}

uint32_t BigEndian32(const std::string& s, size_t offset) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data() + offset);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

// Scales to zero mean and unit standard deviation over the whole dataset.
torch::Tensor Normalise(torch::Tensor images) {
  images = images.to(torch::kFloat32);
  const auto mean = images.mean();
  const auto std = images.std().clamp_min(1e-6);
  return (images - mean) / std;
}

absl::StatusOr<ImageDataset> Finish(torch::Tensor images, torch::Tensor labels,
                                    int num_classes, const std::string& source) {
  if (images.size(0) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no examples"));
  }
  const int64_t max_label = labels.max().item<int64_t>();
  if (labels.min().item<int64_t>() < 0 || max_label >= num_classes) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": label ", max_label, " outside 0..", num_classes - 1));
  }
  return ImageDataset{Normalise(images), labels, num_classes};
}

}  // namespace

absl::StatusOr<ImageDataset> LoadIdxDataset(const std::string& dir, bool train) {
  const std::string prefix = absl::StrCat(dir, "/", train ? "train" : "t10k");
  const std::string images_path = prefix + "-images-idx3-ubyte";
  const std::string labels_path = prefix + "-labels-idx1-ubyte";
  auto images = ReadFirst(images_path);
  if (!images.ok()) return images.status();
  auto labels = ReadFirst(labels_path);
  if (!labels.ok()) return labels.status();
  if (images->size() < 16 || BigEndian32(*images, 0) != 0x00000803) {
    return absl::InvalidArgumentError(
        absl::StrCat(images_path, ": not an idx3 image file (magic 0x00000803 expected)"));
  }
  if (labels->size() < 8 || BigEndian32(*labels, 0) != 0x00000801) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels_path, ": not an idx1 label file (magic 0x00000801 expected)"));
  }
  const int64_t n = BigEndian32(*images, 4);
  const int64_t rows = BigEndian32(*images, 8);
  const int64_t cols = BigEndian32(*images, 12);
  if (static_cast<int64_t>(images->size()) != 16 + n * rows * cols) {
    return absl::InvalidArgumentError(absl::StrCat(
        images_path, ": size ", images->size(), " does not match the header's ", n, "x",
        rows, "x", cols, " images"));
  }
  if (BigEndian32(*labels, 4) != n || static_cast<int64_t>(labels->size()) != 8 + n) {
    return absl::InvalidArgumentError(absl::StrCat(
        labels_path, ": must hold exactly ", n, " labels, one per image"));
  }
  auto pixels = torch::from_blob(images->data() + 16, {n, 1, rows, cols}, torch::kUInt8).clone();
  auto label_tensor =
      torch::from_blob(labels->data() + 8, {n}, torch::kUInt8).to(torch::kInt64);
  return Finish(pixels, label_tensor, 10, images_path);
}

absl::StatusOr<ImageDataset> LoadDigitsCsv(const std::string& path) {
  auto text = ReadMaybeGzip(path);
  if (!text.ok()) return text.status();
  std::vector<float> pixels;
  std::vector<int64_t> labels;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
    if (fields.size() != 65) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " line ", line_number, ": has ", fields.size(),
          " fields; expected 64 pixels and a label"));
    }
    for (int i = 0; i < 65; ++i) {
      int value = 0;
      if (!absl::SimpleAtoi(fields[i], &value) || value < 0 || value > 16) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, " line ", line_number, " field ", i + 1, ": '", fields[i],
            i < 64 ? "' is not a pixel value 0..16" : "' is not a label 0..9"));
      }
      if (i < 64) {
        pixels.push_back(static_cast<float>(value));
      } else {
        labels.push_back(value);
      }
    }
  }
  const int64_t n = static_cast<int64_t>(labels.size());
  auto images = torch::from_blob(pixels.data(), {n, 1, 8, 8}, torch::kFloat32).clone();
  auto label_tensor = torch::from_blob(labels.data(), {n}, torch::kInt64).clone();
  return Finish(images, label_tensor, 10, path);
}

absl::StatusOr<ImageDataset> LoadCifar10Binary(const std::string& dir, bool train) {
  constexpr int64_t kRecord = 1 + 3 * 32 * 32;
  std::vector<std::string> files;
  if (train) {
    for (int i = 1; i <= 5; ++i) files.push_back(absl::StrCat(dir, "/data_batch_", i, ".bin"));
  } else {
    files.push_back(dir + "/test_batch.bin");
  }
  std::string all;
  for (const std::string& f : files) {
    auto content = ReadMaybeGzip(f);
    if (!content.ok()) return content.status();
    if (content->size() % kRecord != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          f, ": size ", content->size(), " is not a multiple of the ", kRecord,
          "-byte CIFAR-10 record"));
    }
    all += *content;
  }
  const int64_t n = static_cast<int64_t>(all.size()) / kRecord;
  auto records = torch::from_blob(all.data(), {n, kRecord}, torch::kUInt8);
  auto labels = records.select(1, 0).to(torch::kInt64);
  auto images = records.slice(1, 1).reshape({n, 3, 32, 32}).clone();
  return Finish(images, labels, 10, files.front());
}

absl::StatusOr<ImageDataset> LoadDataset(const v1::Dataset& spec) {
  switch (spec.format()) {
    case v1::Dataset::IDX:
      return LoadIdxDataset(spec.path(), /*train=*/true);
    case v1::Dataset::DIGITS_CSV:
      return LoadDigitsCsv(spec.path());
    case v1::Dataset::CIFAR10_BINARY:
      return LoadCifar10Binary(spec.path(), /*train=*/true);
    default:
      return absl::InvalidArgumentError("dataset.format: must be IDX, DIGITS_CSV or CIFAR10_BINARY");
  }
}

absl::StatusOr<TrainValidationSplit> SplitTrainValidation(const ImageDataset& all,
                                                          int validation_examples,
                                                          int train_examples,
                                                          uint64_t seed) {
  const int64_t n = all.size();
  if (validation_examples <= 0 || validation_examples >= n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset.validation_examples: ", validation_examples, " must be in 1..",
        n - 1, " (the dataset has ", n, " examples)"));
  }
  const int64_t rest = n - validation_examples;
  if (train_examples < 0 || train_examples > rest) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset.train_examples: ", train_examples, " must be in 0..", rest,
        " (what remains after the validation split)"));
  }
  torch::Generator generator = torch::make_generator<torch::CPUGeneratorImpl>(seed);
  const auto order = torch::randperm(n, generator, torch::kInt64);
  const auto validation = order.slice(0, 0, validation_examples);
  const auto train = order.slice(0, validation_examples,
                                 validation_examples + (train_examples ? train_examples : rest));
  TrainValidationSplit split;
  split.train = {all.images.index_select(0, train), all.labels.index_select(0, train),
                 all.num_classes};
  split.validation = {all.images.index_select(0, validation),
                      all.labels.index_select(0, validation), all.num_classes};
  return split;
}

}  // namespace nas
