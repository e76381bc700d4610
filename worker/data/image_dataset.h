// Labelled image datasets as tensors: reading a spec's files in its format
// (through the format registry, dataset_format_registry.h) and drawing the
// training/validation split a search measures fitness on.
//
// Readers return images scaled to [0, 1]; the split normalises both of its
// halves per channel with the mean and standard deviation of its TRAINING
// examples only, and records them. Errors name the file or field and the rule.
// All functions are thread-compatible and keep no state.
#ifndef NAS_WORKER_DATA_IMAGE_DATASET_H_
#define NAS_WORKER_DATA_IMAGE_DATASET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/search.pb.h"
#include "torch/torch.h"
#include "worker/data/dataset_files.h"
#include "worker/data/dataset_format_registry.h"
#include "worker/data/example_source.h"
#include "worker/data/prefetch_loader.h"
// The built-in formats' loaders, for tests and benchmarks that read files
// directly: LoadIdxDataset, LoadDigitsCsv, LoadCifar10Binary, ...
#include "worker/data/formats/cifar_binary.h"
#include "worker/data/formats/digits_csv.h"
#include "worker/data/formats/idx.h"

namespace nas {

// The training files of `spec` in its format (the test files are never used
// for search), and its validation files where it names them. INVALID_ARGUMENT
// for an unset or unknown format or an unset path.
// Image folders larger than options.max_in_memory_bytes come back as sources
// to stream from.
absl::StatusOr<DatasetFiles> LoadDataset(const v1::Dataset& spec,
                                         const DatasetReadOptions& options = {});

struct TrainValidationSplit {
  // With streamed training images (train_stream set), `train` has the labels
  // and classes of its examples but no images.
  ImageDataset train;
  ImageDataset validation;
  // Per-channel mean and standard deviation of the training images before
  // normalisation (after the readers' scaling to [0, 1]): the network's
  // input is (x - mean) / std. A channel with no spread (std < 1e-6) gets
  // std 1. Recorded with the search and embedded in exports.
  std::vector<float> channel_mean;
  std::vector<float> channel_std;
  // Index = label; empty where the format does not say (idx files).
  std::vector<std::string> class_names;
  // Set when the training images are too large to hold in memory: they are
  // read from this source, rows `train_rows` in the split's order
  // (train.labels are theirs), and normalised batch by batch. The
  // validation images are always in memory.
  std::shared_ptr<const ExampleSource> train_stream;
  std::vector<int64_t> train_rows;
  // How this worker reads them: its loader threads and queue.
  PrefetchOptions train_prefetch;

  bool streams_training() const { return train_stream != nullptr; }
  // {channels, height, width} of every image.
  std::vector<int64_t> image_shape() const;
};

// Shuffles the examples with `seed` (the same seed gives the same split on
// every platform and LibTorch version), holds out the first
// `validation_examples` as validation and keeps the next `train_examples`
// (0 = all the rest) for training; the two never share an example. Then
// normalises both per channel with the training examples' statistics.
// INVALID_ARGUMENT, naming the dataset field, unless
// 1 <= validation_examples < size and 0 <= train_examples <= size - validation_examples.
absl::StatusOr<TrainValidationSplit> SplitTrainValidation(const ImageDataset& all,
                                                          int validation_examples,
                                                          int train_examples, uint64_t seed);

// The split of what LoadDataset read. Without separate validation files it
// is SplitTrainValidation of the examples. With them (IMAGE_FOLDER's
// validation_path) both are shuffled with `seed`; validation takes the first
// `validation_examples` of the validation files (0 = all of them) and
// training the first `train_examples` of the training files (0 = all).
// Either way the split carries `files.class_names`.
// Streamed files (files.streamed()) are split the same way: the validation
// examples are read into memory, the training ones stay in their files and
// their per-channel statistics are computed in one pass of `prefetch`'s
// threads over them.
absl::StatusOr<TrainValidationSplit> SplitDatasetFiles(const DatasetFiles& files,
                                                       int validation_examples, int train_examples,
                                                       uint64_t seed,
                                                       const PrefetchOptions& prefetch = {});

// The first `count` training images of `split` (fewer if it has fewer),
// normalised as training sees them, on the CPU: read from the files when the
// training images stream. The first bad file's error.
absl::StatusOr<torch::Tensor> FirstTrainingImages(const TrainValidationSplit& split, int64_t count);

// FAILED_PRECONDITION naming dataset.path, its decoded size and the worker's
// --dataset_memory_mb when the training images of `split` stream: for jobs
// (named by `job`) that hold their data in memory.
absl::Status RequireInMemory(const TrainValidationSplit& split, const v1::Dataset& dataset,
                             const std::string& job);

}  // namespace nas

#endif  // NAS_WORKER_DATA_IMAGE_DATASET_H_
