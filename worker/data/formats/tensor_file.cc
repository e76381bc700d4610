#include "worker/data/formats/tensor_file.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "torch/csrc/jit/serialization/pickle.h"
#include "worker/data/dataset_format_registry.h"

namespace nas {
namespace {

absl::Status Invalid(const std::string& path, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", rule));
}

// The first line of a c10::Error's text (the rest is a backtrace).
std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

absl::StatusOr<c10::IValue> Unpickle(const std::string& path, const std::string& bytes) {
  try {
    return torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
  } catch (const c10::Error& e) {
    return Invalid(path, absl::StrCat("not a file written by torch.save in its default zip "
                                      "format: ",
                                      FirstLine(e.what_without_backtrace())));
  } catch (const std::exception& e) {
    return Invalid(path, absl::StrCat("not a file written by torch.save: ", FirstLine(e.what())));
  }
}

absl::StatusOr<std::vector<std::string>> ClassNames(const std::string& path,
                                                    const c10::IValue& value) {
  if (!value.isList()) return Invalid(path, "'class_names' must be a list of str");
  std::vector<std::string> names;
  for (const c10::IValue& name : value.toListRef()) {
    if (!name.isString()) return Invalid(path, "'class_names' must be a list of str");
    names.push_back(name.toStringRef());
  }
  if (names.empty()) return Invalid(path, "'class_names' must not be empty when present");
  return names;
}

// The images, labels and class names of an unpickled value.
absl::StatusOr<ImageDataset> FromDict(const std::string& path, const c10::IValue& value,
                                      std::vector<std::string>* class_names) {
  if (!value.isGenericDict()) {
    return Invalid(path, "must hold a dict {\"images\": ..., \"labels\": ...}");
  }
  const c10::Dict<c10::IValue, c10::IValue> dict = value.toGenericDict();
  auto entry = [&](const char* key) -> c10::IValue {
    for (const auto& item : dict) {
      if (item.key().isString() && item.key().toStringRef() == key) return item.value();
    }
    return c10::IValue();
  };
  const c10::IValue images = entry("images"), labels = entry("labels");
  if (!images.isTensor() || !labels.isTensor()) {
    return Invalid(path, "must hold tensors under the keys \"images\" and \"labels\"");
  }
  const torch::Tensor x = images.toTensor(), y = labels.toTensor();
  if (x.dim() != 4 || (x.scalar_type() != torch::kUInt8 && x.scalar_type() != torch::kFloat32)) {
    return Invalid(path,
                   absl::StrCat("'images' is ", c10::toString(x.scalar_type()), " with ", x.dim(),
                                " dimensions; must be uint8 or float32 ", "N x C x H x W"));
  }
  if (y.dim() != 1 || y.scalar_type() != torch::kInt64) {
    return Invalid(path, absl::StrCat("'labels' is ", c10::toString(y.scalar_type()), " with ",
                                      y.dim(), " dimensions; must be int64 with one dimension"));
  }
  if (y.size(0) != x.size(0)) {
    return Invalid(path, absl::StrCat("'labels' holds ", y.size(0), " labels but 'images' ",
                                      x.size(0), " images; need one label per image"));
  }
  class_names->clear();
  if (const c10::IValue names = entry("class_names"); !names.isNone()) {
    ASSIGN_OR_RETURN(*class_names, ClassNames(path, names));
  }
  const double scale = x.scalar_type() == torch::kUInt8 ? 1.0 / 255 : 1.0;
  return MakeImageDataset(x, y.contiguous(), static_cast<int>(class_names->size()), scale, path);
}

absl::StatusOr<DatasetFiles> ReadTensorFile(const v1::Dataset& spec, const DatasetReadOptions&) {
  DatasetFiles files;
  ASSIGN_OR_RETURN(files.examples, LoadTensorFile(spec.path(), &files.class_names));
  return files;
}

const DatasetFormatRegistrar kRegistrar({v1::Dataset::TENSOR_FILE, "tensor_file", ReadTensorFile});

}  // namespace

absl::StatusOr<ImageDataset> LoadTensorFile(const std::string& path,
                                            std::vector<std::string>* class_names) {
  ASSIGN_OR_RETURN(const std::string bytes, ReadMaybeGzip(path));
  ASSIGN_OR_RETURN(const c10::IValue value, Unpickle(path, bytes));
  try {
    return FromDict(path, value, class_names);
  } catch (const c10::Error& e) {
    return Invalid(path, FirstLine(e.what_without_backtrace()));
  }
}

}  // namespace nas
