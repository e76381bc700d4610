// Batches of a streamed dataset, decoded ahead of the training step by a pool
// of threads into a bounded queue.
//
// The loader is given the rows of one epoch in their order and a batch size.
// Its threads claim batches in order, read their images from the source,
// apply a transform (normalisation and augmentation) and park the finished
// batch; Next() hands them out in order. A thread may not start a batch more
// than `capacity` batches ahead of the one Next() hands out next, so at most
// `capacity` batches (plus the one the caller holds) are in memory whatever
// the size of the dataset.
#ifndef NAS_WORKER_DATA_PREFETCH_LOADER_H_
#define NAS_WORKER_DATA_PREFETCH_LOADER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "torch/torch.h"
#include "worker/data/batch.h"
#include "worker/data/example_source.h"

namespace nas {

struct PrefetchOptions {
  int threads = 2;   // >= 1 decoding threads.
  int capacity = 8;  // >= 1 finished batches held ahead of Next().
  // Put finished batches in page-locked memory, so the copy to a GPU can be
  // non-blocking. Only where the linked LibTorch has CUDA.
  bool pin_memory = false;
};

// Applied by the decoding threads to each batch's images ([n, C, H, W] float32
// on the CPU, scaled to [0, 1]) with the batch's index in the epoch; returns
// the images the step trains on. Must be thread-safe. Empty: as read.
using BatchTransform = std::function<torch::Tensor(int64_t batch_index, torch::Tensor images)>;

class PrefetchLoader {
 public:
  // Starts the threads at once. `rows` are rows of `source`; the last batch
  // may be smaller than `batch_size` (>= 1).
  PrefetchLoader(std::shared_ptr<const ExampleSource> source, std::vector<int64_t> rows,
                 int64_t batch_size, BatchTransform transform, PrefetchOptions options);
  // Stops the threads (a batch being decoded is finished first) and joins them.
  ~PrefetchLoader();

  PrefetchLoader(const PrefetchLoader&) = delete;
  PrefetchLoader& operator=(const PrefetchLoader&) = delete;

  int64_t batches() const { return batches_; }

  // The next batch in order, labels [n] int64 beside its images, both on the
  // CPU; blocks until it is ready. The read error of that batch (naming the
  // file) if it failed; OUT_OF_RANGE after the last batch.
  absl::StatusOr<Batch> Next();

 private:
  void DecodeBatches();
  absl::StatusOr<Batch> Decode(int64_t batch_index) const;

  const std::shared_ptr<const ExampleSource> source_;
  const std::vector<int64_t> rows_;
  const int64_t batch_size_;
  const int64_t batches_;
  const BatchTransform transform_;
  const PrefetchOptions options_;

  absl::Mutex mu_;
  int64_t next_to_claim_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_to_hand_out_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<int64_t, absl::StatusOr<Batch>> finished_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace nas

#endif  // NAS_WORKER_DATA_PREFETCH_LOADER_H_
