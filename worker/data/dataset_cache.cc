#include "worker/data/dataset_cache.h"

#include <iostream>

#include "absl/strings/str_cat.h"

namespace nas {
namespace {

std::string CacheKey(const v1::DataSplit& split) {
  const v1::Dataset& d = split.dataset();
  return absl::StrCat(d.format(), "|", d.path(), "|", d.validation_path(), "|", d.cifar100_labels(),
                      "|", d.train_examples(), "|", d.validation_examples(), "|", split.seed());
}

}  // namespace

absl::StatusOr<DatasetCache::CheckedSplit> DatasetCache::GetChecked(const v1::DataSplit& split) {
  CheckedSplit entry;
  {
    const v1::Dataset& d = split.dataset();
    const std::string key = CacheKey(split);
    absl::MutexLock lock(&mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      entry = it->second;
    } else {
      auto files = LoadDataset(d, options_.read);
      if (!files.ok()) return files.status();
      auto drawn = SplitDatasetFiles(*files, d.validation_examples(), d.train_examples(),
                                     split.seed(), options_.prefetch);
      if (!drawn.ok()) return drawn.status();
      entry.split = std::make_shared<const TrainValidationSplit>(*std::move(drawn));
      if (entry.split->streams_training()) {
        std::cerr << "dataset " << d.path() << ": "
                  << (entry.split->train_stream->DecodedBytes() >> 20)
                  << " MiB of decoded images, over --dataset_memory_mb: streaming its "
                  << entry.split->train.size() << " training images with "
                  << options_.prefetch.threads << " loader thread(s)" << std::endl;
      }
      auto fingerprint = DatasetFingerprint(d, *entry.split);
      if (!fingerprint.ok()) return fingerprint.status();
      entry.description = DescribeData(*entry.split, *fingerprint);
      if (cache_.size() >= kMaxEntries) cache_.clear();
      cache_[key] = entry;
    }
  }
  if (absl::Status same = CheckFingerprint(split.expected_fingerprint(),
                                           entry.description.fingerprint(), split.dataset());
      !same.ok()) {
    return same;
  }
  return entry;
}

}  // namespace nas
