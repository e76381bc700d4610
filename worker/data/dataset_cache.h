// Loaded and split datasets, kept across jobs: a worker serving one search
// reads its files once. The split depends on the dataset and the split's seed
// only (the search's seed, not the job's), so every individual of a search is
// measured on the same validation examples.
#ifndef NAS_WORKER_DATA_DATASET_CACHE_H_
#define NAS_WORKER_DATA_DATASET_CACHE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/worker_service.pb.h"
#include "worker/data/fingerprint.h"
#include "worker/data/image_dataset.h"

namespace nas {

// Thread-safe.
class DatasetCache {
 public:
  struct Options {
    // Image folders larger than read.max_in_memory_bytes stream from their
    // files, read by `prefetch`'s threads.
    DatasetReadOptions read;
    PrefetchOptions prefetch;
  };
  explicit DatasetCache(Options options = {}) : options_(options) {}

  struct CheckedSplit {
    std::shared_ptr<const TrainValidationSplit> split;
    v1::DataDescription description;  // DescribeData, with its DatasetFingerprint.
  };
  // The training/validation split of `split.dataset` drawn with `split.seed`
  // and its description, both computed once per cached entry; UNAVAILABLE
  // naming both fingerprints when `split.expected_fingerprint` is set and
  // differs (CheckFingerprint). What the training runners call.
  absl::StatusOr<CheckedSplit> GetChecked(const v1::DataSplit& split);

 private:
  static constexpr size_t kMaxEntries = 4;  // A worker rarely serves more searches at once.

  const Options options_;
  absl::Mutex mu_;
  std::map<std::string, CheckedSplit> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nas

#endif  // NAS_WORKER_DATA_DATASET_CACHE_H_
