#include "worker/data/dataset_cache.h"

#include "absl/strings/str_cat.h"

namespace nas {
namespace {

std::string CacheKey(const v1::DataSplit& split) {
  const v1::Dataset& d = split.dataset();
  return absl::StrCat(d.format(), "|", d.path(), "|", d.validation_path(), "|",
                      d.cifar100_labels(), "|", d.train_examples(), "|", d.validation_examples(),
                      "|", split.seed());
}

}  // namespace

absl::StatusOr<std::shared_ptr<const TrainValidationSplit>> DatasetCache::Get(
    const v1::DataSplit& split) {
  const v1::Dataset& d = split.dataset();
  const std::string key = CacheKey(split);
  absl::MutexLock lock(&mu_);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto files = LoadDataset(d);
  if (!files.ok()) return files.status();
  auto drawn = SplitDatasetFiles(*files, d.validation_examples(), d.train_examples(), split.seed());
  if (!drawn.ok()) return drawn.status();
  auto shared = std::make_shared<const TrainValidationSplit>(*std::move(drawn));
  if (cache_.size() >= kMaxEntries) {
    cache_.clear();
    fingerprints_.clear();
  }
  cache_[key] = shared;
  return shared;
}

absl::StatusOr<DatasetCache::CheckedSplit> DatasetCache::GetChecked(const v1::DataSplit& split) {
  auto shared = Get(split);
  if (!shared.ok()) return shared.status();
  std::string fingerprint;
  {
    absl::MutexLock lock(&mu_);
    const std::string key = CacheKey(split);
    auto it = fingerprints_.find(key);
    if (it != fingerprints_.end()) {
      fingerprint = it->second;
    } else {
      auto computed = DatasetFingerprint(split.dataset(), **shared);
      if (!computed.ok()) return computed.status();
      fingerprint = *std::move(computed);
      // Kept only while the split it describes is the cached one.
      if (auto cached = cache_.find(key); cached != cache_.end() && cached->second == *shared) {
        fingerprints_[key] = fingerprint;
      }
    }
  }
  if (absl::Status same =
          CheckFingerprint(split.expected_fingerprint(), fingerprint, split.dataset());
      !same.ok()) {
    return same;
  }
  return CheckedSplit{*shared, DescribeData(**shared, fingerprint)};
}

}  // namespace nas
