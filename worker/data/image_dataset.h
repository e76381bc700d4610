// Labelled image datasets as tensors, from the formats the service reads:
// MNIST-family idx files, the 8x8 digits CSV, CIFAR-10 binary batches.
//
// Every loader either returns a complete dataset or an error that names the
// file and the rule it breaks (NOT_FOUND for a missing file, DATA_LOSS for a
// corrupt gzip stream, INVALID_ARGUMENT for a malformed file). Loaded images
// are float32, normalised to zero mean and unit standard deviation over the
// whole loaded dataset (one scalar mean and std, not per pixel or channel).
// All functions are thread-compatible and keep no state.
#ifndef NAS_WORKER_DATA_IMAGE_DATASET_H_
#define NAS_WORKER_DATA_IMAGE_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

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

// `dir`/train-images-idx3-ubyte and `dir`/train-labels-idx1-ubyte (t10k-*
// when !train), each plain or with a .gz suffix (the plain file wins when
// both exist). Checks both magic numbers (0x00000803, 0x00000801), that each
// file's size matches its header, and that the counts agree. 10 classes.
absl::StatusOr<ImageDataset> LoadIdxDataset(const std::string& dir, bool train);

// One example per line: 64 pixel values (0..16, an 8x8 image row by row)
// then the label (0..9), comma-separated; plain or gzip. Images [N, 1, 8, 8].
absl::StatusOr<ImageDataset> LoadDigitsCsv(const std::string& path);

// data_batch_1.bin .. data_batch_5.bin (test_batch.bin when !train) in `dir`:
// records of one label byte (0..9) and 3072 pixel bytes (the R, G and B
// planes of a 32x32 image). Images [N, 3, 32, 32].
absl::StatusOr<ImageDataset> LoadCifar10Binary(const std::string& dir, bool train);

// The training files of `spec` in its format (the test files are never used
// for search). INVALID_ARGUMENT for an unset format or path.
absl::StatusOr<ImageDataset> LoadDataset(const v1::Dataset& spec);

struct TrainValidationSplit {
  ImageDataset train;
  ImageDataset validation;
  // Per-channel mean and standard deviation of the training images before
  // normalisation, and the class names (index = label); empty where the
  // format does not say. Recorded with the search and embedded in exports.
  std::vector<float> channel_mean;
  std::vector<float> channel_std;
  std::vector<std::string> class_names;
};

// Shuffles the examples with `seed` (the same seed gives the same split on
// every platform and LibTorch version), holds out the first
// `validation_examples` as validation and keeps the next `train_examples`
// (0 = all the rest) for training; the two never share an example.
// INVALID_ARGUMENT, naming the dataset field, unless
// 1 <= validation_examples < size and 0 <= train_examples <= size - validation_examples.
absl::StatusOr<TrainValidationSplit> SplitTrainValidation(const ImageDataset& all,
                                                          int validation_examples,
                                                          int train_examples, uint64_t seed);

}  // namespace nas

#endif  // NAS_WORKER_DATA_IMAGE_DATASET_H_
