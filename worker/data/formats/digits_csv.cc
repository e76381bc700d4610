#include "worker/data/formats/digits_csv.h"

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"
#include "worker/data/dataset_format_registry.h"

namespace nas {
namespace {

constexpr int kDigitsPixels = 64;
constexpr int kDigitsMaxPixel = 16;

// One line's 65 fields appended to `pixels` and `labels`.
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

absl::StatusOr<DatasetFiles> ReadDigitsCsv(const v1::Dataset& spec, const DatasetReadOptions&) {
  DatasetFiles files;
  ASSIGN_OR_RETURN(files.examples, LoadDigitsCsv(spec.path()));
  for (int digit = 0; digit < 10; ++digit) files.class_names.push_back(absl::StrCat(digit));
  return files;
}

const DatasetFormatRegistrar kRegistrar({v1::Dataset::DIGITS_CSV, "digits_csv", ReadDigitsCsv});

}  // namespace

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
  return MakeImageDataset(images, std::move(label_tensor), 10, 1.0 / kDigitsMaxPixel, path);
}

}  // namespace nas
