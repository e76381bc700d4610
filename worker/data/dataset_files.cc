#include "worker/data/dataset_files.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

// Rows decoded at a time by ReadExamples.
constexpr size_t kReadChunk = 512;

}  // namespace

absl::StatusOr<ImageDataset> MakeImageDataset(const torch::Tensor& pixels, torch::Tensor labels,
                                              int num_classes, double scale,
                                              const std::string& source) {
  if (labels.size(0) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": holds no examples"));
  }
  const int64_t min_label = labels.min().item<int64_t>();
  const int64_t max_label = labels.max().item<int64_t>();
  if (min_label < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": label ", min_label, " is negative; labels are 0, 1, ..."));
  }
  if (num_classes == 0) num_classes = static_cast<int>(max_label + 1);
  if (max_label >= num_classes) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": label ", max_label,
                                                   " is outside the ", num_classes, " classes 0..",
                                                   num_classes - 1));
  }
  // Always a copy: `pixels` may borrow memory (from_blob) that is about to go.
  torch::Tensor images =
      pixels.to(torch::kFloat32, /*non_blocking=*/false, /*copy=*/true).contiguous();
  if (scale != 1.0) images.mul_(scale);
  return ImageDataset{std::move(images), std::move(labels), num_classes};
}

absl::StatusOr<ImageDataset> ReadExamples(const ExampleSource& source,
                                          absl::Span<const int64_t> rows) {
  std::vector<int64_t> shape = source.image_shape();
  shape.insert(shape.begin(), static_cast<int64_t>(rows.size()));
  ImageDataset d{
      torch::empty(shape),
      source.labels().index_select(
          0, torch::tensor(std::vector<int64_t>(rows.begin(), rows.end()), torch::kInt64)),
      source.num_classes()};
  for (size_t begin = 0; begin < rows.size(); begin += kReadChunk) {
    const size_t end = std::min(rows.size(), begin + kReadChunk);
    ASSIGN_OR_RETURN(const torch::Tensor images,
                     source.ReadImages(rows.subspan(begin, end - begin)));
    d.images.slice(0, begin, end).copy_(images);
  }
  return d;
}

absl::StatusOr<ImageDataset> ReadAllExamples(const ExampleSource& source) {
  std::vector<int64_t> rows(source.size());
  for (int64_t row = 0; row < source.size(); ++row) rows[row] = row;
  return ReadExamples(source, rows);
}

bool FileExists(const std::string& path) {
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
    return true;
  }
  return false;
}

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

absl::StatusOr<std::pair<std::string, std::string>> ReadPlainOrGz(const std::string& base) {
  for (const std::string& path : {base, base + ".gz"}) {
    if (FileExists(path)) {
      ASSIGN_OR_RETURN(std::string bytes, ReadMaybeGzip(path));
      return std::make_pair(path, std::move(bytes));
    }
  }
  return absl::NotFoundError(absl::StrCat(base, " (or ", base, ".gz): no such file"));
}

}  // namespace nas
