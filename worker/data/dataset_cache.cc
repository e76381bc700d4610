#include "worker/data/dataset_cache.h"

#include "absl/strings/str_cat.h"

namespace nas {

absl::StatusOr<std::shared_ptr<const TrainValidationSplit>> DatasetCache::Get(
    const v1::SearchSpec& spec) {
  const v1::Dataset& d = spec.dataset();
  const std::string key = absl::StrCat(d.format(), "|", d.path(), "|", d.train_examples(),
                                       "|", d.validation_examples(), "|", spec.seed());
  absl::MutexLock lock(&mu_);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto all = LoadDataset(d);
  if (!all.ok()) return all.status();
  auto split = SplitTrainValidation(*all, d.validation_examples(), d.train_examples(),
                                    spec.seed());
  if (!split.ok()) return split.status();
  auto shared = std::make_shared<const TrainValidationSplit>(*std::move(split));
  if (cache_.size() >= kMaxEntries) cache_.clear();
  cache_[key] = shared;
  return shared;
}

}  // namespace nas
