// CIFAR-10 and CIFAR-100 binary files (CIFAR10_BINARY, CIFAR100_BINARY).
// Images [N, 3, 32, 32], pixels / 255; the classes carry their official names.
#ifndef NAS_WORKER_DATA_FORMATS_CIFAR_BINARY_H_
#define NAS_WORKER_DATA_FORMATS_CIFAR_BINARY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/data/dataset_files.h"

namespace nas {

// data_batch_1.bin .. data_batch_5.bin (test_batch.bin when !train) in `dir`:
// records of one label byte (0..9) and 3072 pixel bytes (the R, G and B
// planes of a 32x32 image). 10 classes.
absl::StatusOr<ImageDataset> LoadCifar10Binary(const std::string& dir, bool train);

// train.bin (test.bin when !train) in `dir`: records of a coarse label byte
// (0..19), a fine label byte (0..99) and 3072 pixel bytes. 100 classes with
// the fine labels, 20 with the coarse ones.
absl::StatusOr<ImageDataset> LoadCifar100Binary(const std::string& dir, bool train, bool coarse);

// The official class names: CIFAR-10's 10, CIFAR-100's 100 fine or 20 coarse.
const std::vector<std::string>& Cifar10ClassNames();
const std::vector<std::string>& Cifar100ClassNames(bool coarse);

}  // namespace nas

#endif  // NAS_WORKER_DATA_FORMATS_CIFAR_BINARY_H_
