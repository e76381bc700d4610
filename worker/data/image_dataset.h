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
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/search.pb.h"
#include "torch/torch.h"
#include "worker/data/dataset_files.h"
// The built-in formats' loaders, for tests and benchmarks that read files
// directly: LoadIdxDataset, LoadDigitsCsv, LoadCifar10Binary, ...
#include "worker/data/formats/cifar_binary.h"
#include "worker/data/formats/digits_csv.h"
#include "worker/data/formats/idx.h"

namespace nas {

// The training files of `spec` in its format (the test files are never used
// for search), and its validation files where it names them. INVALID_ARGUMENT
// for an unset or unknown format or an unset path.
absl::StatusOr<DatasetFiles> LoadDataset(const v1::Dataset& spec);

struct TrainValidationSplit {
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
absl::StatusOr<TrainValidationSplit> SplitDatasetFiles(const DatasetFiles& files,
                                                       int validation_examples, int train_examples,
                                                       uint64_t seed);

}  // namespace nas

#endif  // NAS_WORKER_DATA_IMAGE_DATASET_H_
