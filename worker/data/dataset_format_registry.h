// The dataset formats a worker reads, keyed by v1::Dataset::Format. Each
// format registers itself from its own .cc (worker/data/formats/) with a
// DatasetFormatRegistrar; //worker/data/formats:all_formats links them in,
// so a new format is one new file and one line there, and nothing else
// names a format.
#ifndef NAS_WORKER_DATA_DATASET_FORMAT_REGISTRY_H_
#define NAS_WORKER_DATA_DATASET_FORMAT_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/search.pb.h"
#include "worker/data/dataset_files.h"

namespace nas {

// What a worker allows a dataset when it is read.
struct DatasetReadOptions {
  // Decoded float32 images of a dataset whose format streams (IMAGE_FOLDER)
  // are kept in memory up to this many bytes; a larger one is returned as
  // sources to stream from (DatasetFiles::streamed_examples). 0 = no limit.
  // Formats that do not stream read their files whole whatever the limit.
  int64_t max_in_memory_bytes = 0;
};

// Reads the training files of `spec` (the test files are never used for
// search), and its validation files where the format has them. Returns
// statuses naming the file and the rule; never throws.
using DatasetReader = std::function<absl::StatusOr<DatasetFiles>(
    const v1::Dataset& spec, const DatasetReadOptions& options)>;

struct DatasetFormatRegistration {
  v1::Dataset::Format format = v1::Dataset::FORMAT_UNSPECIFIED;
  std::string name;  // The format's enum name in lower case, e.g. "image_folder".
  DatasetReader read;
};

// Thread-safe.
class DatasetFormatRegistry {
 public:
  // The registry DatasetFormatRegistrar fills; complete once main() starts.
  static DatasetFormatRegistry& Global();

  // ALREADY_EXISTS if the format or the name is registered already;
  // INVALID_ARGUMENT for an unspecified format, an empty name or no reader.
  absl::Status Register(DatasetFormatRegistration registration);

  // The registered names in format order, joined by ", ".
  std::string Names() const;

  // Reads `spec` with its format's reader. INVALID_ARGUMENT naming
  // dataset.path when it is empty, or dataset.format and the registered
  // formats when its format is not registered.
  absl::StatusOr<DatasetFiles> Read(const v1::Dataset& spec,
                                    const DatasetReadOptions& options = {}) const;

 private:
  mutable absl::Mutex mu_;
  std::map<v1::Dataset::Format, DatasetFormatRegistration> by_format_ ABSL_GUARDED_BY(mu_);
};

// Registers a format with DatasetFormatRegistry::Global() when constructed;
// a format's .cc defines one at namespace scope:
//   const DatasetFormatRegistrar kRegistrar({v1::Dataset::IDX, "idx", ReadIdx});
// and its cc_library sets alwayslink = 1. A clash is a build mistake: it
// aborts the program.
class DatasetFormatRegistrar {
 public:
  explicit DatasetFormatRegistrar(DatasetFormatRegistration registration);
};

}  // namespace nas

#endif  // NAS_WORKER_DATA_DATASET_FORMAT_REGISTRY_H_
