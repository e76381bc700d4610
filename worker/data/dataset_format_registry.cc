#include "worker/data/dataset_format_registry.h"

#include <cstdlib>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nas {

DatasetFormatRegistry& DatasetFormatRegistry::Global() {
  static auto* const registry = new DatasetFormatRegistry();  // Never destroyed.
  return *registry;
}

absl::Status DatasetFormatRegistry::Register(DatasetFormatRegistration registration) {
  if (registration.format == v1::Dataset::FORMAT_UNSPECIFIED || registration.name.empty() ||
      !registration.read) {
    return absl::InvalidArgumentError(absl::StrCat("dataset format '", registration.name,
                                                   "': needs a format, a name and a reader"));
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [format, existing] : by_format_) {
    if (format == registration.format || existing.name == registration.name) {
      return absl::AlreadyExistsError(
          absl::StrCat("dataset format '", registration.name, "' (",
                       v1::Dataset::Format_Name(registration.format), "): '", existing.name, "' (",
                       v1::Dataset::Format_Name(format), ") is registered already"));
    }
  }
  const v1::Dataset::Format format = registration.format;
  by_format_.emplace(format, std::move(registration));
  return absl::OkStatus();
}

std::string DatasetFormatRegistry::Names() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [format, registration] : by_format_) {
    names.push_back(v1::Dataset::Format_Name(format));
  }
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<DatasetFiles> DatasetFormatRegistry::Read(const v1::Dataset& spec,
                                                         const DatasetReadOptions& options) const {
  if (spec.path().empty()) return absl::InvalidArgumentError("dataset.path: must be set");
  DatasetReader read;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = by_format_.find(spec.format()); it != by_format_.end()) read = it->second.read;
  }
  if (!read) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset.format: ", v1::Dataset::Format_Name(spec.format()),
                     " is not readable by this worker; must be one of ", Names()));
  }
  return read(spec, options);
}

DatasetFormatRegistrar::DatasetFormatRegistrar(DatasetFormatRegistration registration) {
  const absl::Status status = DatasetFormatRegistry::Global().Register(std::move(registration));
  if (!status.ok()) {
    std::cerr << "dataset format registry: " << status << std::endl;
    std::abort();
  }
}

}  // namespace nas
