#include "worker/data/fingerprint.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nas {
namespace {

namespace fs = std::filesystem;

constexpr size_t kHashChars = 16;  // 64 bits of the digest: enough to tell data sets apart.

// SHA-256 over pieces fed one at a time, so that a large file is streamed.
class Hasher {
 public:
  Hasher() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void Add(absl::string_view bytes) { EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()); }
  std::string HexDigest() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), out, &n);
    return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(out), n));
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

absl::Status HashFile(const std::string& path, Hasher& hasher) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", path, " to fingerprint it"));
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hasher.Add(absl::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return absl::UnavailableError(absl::StrCat("error reading ", path));
  return absl::OkStatus();
}

// A file: its size and bytes. A directory: its regular files' sorted
// relative names and sizes.
absl::Status HashPath(const std::string& path, Hasher& hasher) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    return absl::NotFoundError(absl::StrCat("dataset path ", path, " does not exist"));
  }
  if (fs::is_regular_file(status)) {
    hasher.Add(absl::StrCat("file ", fs::file_size(path, error), "\n"));
    return HashFile(path, hasher);
  }
  std::vector<std::pair<std::string, uintmax_t>> files;
  for (auto it = fs::recursive_directory_iterator(path, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file(error)) continue;
    files.emplace_back(fs::relative(it->path(), path, error).generic_string(),
                       it->file_size(error));
  }
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot list ", path, " to fingerprint it: ", error.message()));
  }
  std::sort(files.begin(), files.end());
  hasher.Add(absl::StrCat("directory ", files.size(), "\n"));
  for (const auto& [name, size] : files) hasher.Add(absl::StrCat(name, " ", size, "\n"));
  return absl::OkStatus();
}

// "1x8x8": the shape of one image.
std::string ImageShape(const TrainValidationSplit& split) {
  const std::vector<int64_t> shape = split.image_shape();
  return shape.empty() ? "0" : absl::StrJoin(shape, "x");
}

}  // namespace

absl::StatusOr<std::string> DatasetFingerprint(const v1::Dataset& dataset,
                                               const TrainValidationSplit& split) {
  const std::string format = absl::AsciiStrToLower(v1::Dataset::Format_Name(dataset.format()));
  const int64_t examples = split.train.size() + split.validation.size();
  const int classes = std::max(split.train.num_classes, split.validation.num_classes);
  const std::string shape = ImageShape(split);
  Hasher hasher;
  hasher.Add(absl::StrCat("format ", format, "\n"));
  if (absl::Status hashed = HashPath(dataset.path(), hasher); !hashed.ok()) return hashed;
  if (!dataset.validation_path().empty()) {
    hasher.Add("validation\n");
    if (absl::Status hashed = HashPath(dataset.validation_path(), hasher); !hashed.ok()) {
      return hashed;
    }
  }
  hasher.Add(absl::StrCat("examples ", examples, " shape ", shape, " classes ", classes, "\n"));
  return absl::StrCat(format, ":", examples, "x", shape, ":", classes,
                      ":sha256=", hasher.HexDigest().substr(0, kHashChars));
}

v1::DataDescription DescribeData(const TrainValidationSplit& split,
                                 const std::string& fingerprint) {
  v1::DataDescription d;
  d.set_fingerprint(fingerprint);
  d.set_train_examples(split.train.size());
  d.set_validation_examples(split.validation.size());
  d.set_classes(std::max(split.train.num_classes, split.validation.num_classes));
  for (int64_t size : split.image_shape()) d.add_image_shape(static_cast<int32_t>(size));
  for (float m : split.channel_mean) d.add_channel_mean(m);
  for (float s : split.channel_std) d.add_channel_std(s);
  for (const std::string& name : split.class_names) d.add_class_names(name);
  return d;
}

absl::Status CheckFingerprint(const std::string& expected, const std::string& actual,
                              const v1::Dataset& dataset) {
  if (expected.empty() || expected == actual) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "dataset ", dataset.path(), " on this worker has fingerprint ", actual,
      " but the search recorded ", expected,
      " from its first evaluation: this worker's data differs, so it does not train on it"));
}

}  // namespace nas
