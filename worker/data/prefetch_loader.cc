#include "worker/data/prefetch_loader.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"

namespace nas {

PrefetchLoader::PrefetchLoader(std::shared_ptr<const ExampleSource> source,
                               std::vector<int64_t> rows, int64_t batch_size,
                               BatchTransform transform, PrefetchOptions options)
    : source_(std::move(source)),
      rows_(std::move(rows)),
      batch_size_(std::max<int64_t>(1, batch_size)),
      batches_((static_cast<int64_t>(rows_.size()) + batch_size_ - 1) / batch_size_),
      transform_(std::move(transform)),
      options_(options) {
  const int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { DecodeBatches(); });
}

PrefetchLoader::~PrefetchLoader() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void PrefetchLoader::DecodeBatches() {
  const int64_t capacity = std::max(1, options_.capacity);
  while (true) {
    int64_t batch_index;
    {
      absl::MutexLock lock(&mu_);
      // Wait for room in the queue: a batch no further ahead than capacity.
      auto can_claim = [this, capacity]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || next_to_claim_ >= batches_ ||
               next_to_claim_ < next_to_hand_out_ + capacity;
      };
      mu_.Await(absl::Condition(&can_claim));
      if (stopping_ || next_to_claim_ >= batches_) return;
      batch_index = next_to_claim_++;
    }
    absl::StatusOr<Batch> batch = Decode(batch_index);
    absl::MutexLock lock(&mu_);
    finished_.emplace(batch_index, std::move(batch));
  }
}

absl::StatusOr<Batch> PrefetchLoader::Decode(int64_t batch_index) const {
  const int64_t begin = batch_index * batch_size_;
  const int64_t end = std::min<int64_t>(begin + batch_size_, rows_.size());
  const absl::Span<const int64_t> rows(rows_.data() + begin, end - begin);
  try {
    torch::NoGradGuard no_grad;
    absl::StatusOr<torch::Tensor> images = source_->ReadImages(rows);
    if (!images.ok()) return images.status();
    Batch batch;
    batch.images = transform_ ? transform_(batch_index, *std::move(images)) : *std::move(images);
    batch.labels = source_->labels().index_select(
        0, torch::tensor(std::vector<int64_t>(rows.begin(), rows.end()), torch::kInt64));
    if (options_.pin_memory) {
      batch.images = batch.images.pin_memory();
      batch.labels = batch.labels.pin_memory();
    }
    return batch;
  } catch (const std::exception& e) {
    // A thread must not die with an exception: the batch carries it instead.
    return absl::InternalError(
        absl::StrCat("preparing batch ", batch_index, " of the training images: ", e.what()));
  }
}

absl::StatusOr<Batch> PrefetchLoader::Next() {
  absl::MutexLock lock(&mu_);
  if (next_to_hand_out_ >= batches_) {
    return absl::OutOfRangeError(absl::StrCat("all ", batches_, " batches were handed out"));
  }
  const int64_t wanted = next_to_hand_out_;
  auto ready = [this, wanted]()
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return finished_.count(wanted) > 0; };
  mu_.Await(absl::Condition(&ready));
  auto node = finished_.extract(wanted);
  ++next_to_hand_out_;  // Lets a thread claim the batch `capacity` ahead.
  return std::move(node.mapped());
}

}  // namespace nas
