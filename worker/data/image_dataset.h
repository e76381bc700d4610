// Labelled image datasets as tensors, from the formats the service reads:
// MNIST-family idx files, the 8x8 digits CSV, CIFAR-10 binary batches.
// Every reader validates its input and names the file and the rule broken.
#ifndef NAS_WORKER_DATA_IMAGE_DATASET_H_
#define NAS_WORKER_DATA_IMAGE_DATASET_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "proto/search.pb.h"
#include "torch/torch.h"

namespace nas {

struct ImageDataset {
  torch::Tensor images;  // [N, C, H, W] float32, normalised (zero mean, unit std).
  torch::Tensor labels;  // [N] int64 in [0, num_classes).
  int num_classes = 0;

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

// `dir`/train-images-idx3-ubyte and train-labels-idx1-ubyte (t10k-* when
// !train), each plain or .gz.
absl::StatusOr<ImageDataset> LoadIdxDataset(const std::string& dir, bool train);

// 64 pixel values (0..16) then the label per line; plain or .gz.
absl::StatusOr<ImageDataset> LoadDigitsCsv(const std::string& path);

// data_batch_1..5.bin (test_batch.bin when !train) in `dir`: records of one
// label byte and 3072 pixel bytes (R, G, B planes of 32x32).
absl::StatusOr<ImageDataset> LoadCifar10Binary(const std::string& dir, bool train);

// The training files of `spec` (the test split is never used for search).
absl::StatusOr<ImageDataset> LoadDataset(const v1::Dataset& spec);

struct TrainValidationSplit {
  ImageDataset train;
  ImageDataset validation;
};

// Shuffles with `seed` (the same seed gives the same split), holds out
// `validation_examples`, and keeps `train_examples` of the rest (0 = all).
// INVALID_ARGUMENT if the dataset is too small.
absl::StatusOr<TrainValidationSplit> SplitTrainValidation(const ImageDataset& all,
                                                          int validation_examples,
                                                          int train_examples,
                                                          uint64_t seed);

}  // namespace nas

#endif  // NAS_WORKER_DATA_IMAGE_DATASET_H_
