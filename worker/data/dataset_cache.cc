#include "worker/data/dataset_cache.h"

#include "absl/strings/str_cat.h"

namespace nas {

absl::StatusOr<std::shared_ptr<const TrainValidationSplit>> DatasetCache::Get(
    const v1::DataSplit& split) {
  const v1::Dataset& d = split.dataset();
  const std::string key =
      absl::StrCat(d.format(), "|", d.path(), "|", d.validation_path(), "|", d.cifar100_labels(),
                   "|", d.train_examples(), "|", d.validation_examples(), "|", split.seed());
  absl::MutexLock lock(&mu_);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto files = LoadDataset(d);
  if (!files.ok()) return files.status();
  auto drawn = SplitDatasetFiles(*files, d.validation_examples(), d.train_examples(), split.seed());
  if (!drawn.ok()) return drawn.status();
  auto shared = std::make_shared<const TrainValidationSplit>(*std::move(drawn));
  if (cache_.size() >= kMaxEntries) cache_.clear();
  cache_[key] = shared;
  return shared;
}

}  // namespace nas
