// MNIST-family idx files (IDX).
#ifndef NAS_WORKER_DATA_FORMATS_IDX_H_
#define NAS_WORKER_DATA_FORMATS_IDX_H_

#include <string>

#include "absl/status/statusor.h"
#include "worker/data/dataset_files.h"

namespace nas {

// `dir`/train-images-idx3-ubyte and `dir`/train-labels-idx1-ubyte (t10k-*
// when !train), each plain or with a .gz suffix (the plain file wins when
// both exist). Checks both magic numbers (0x00000803, 0x00000801), that each
// file's size matches its header, and that the counts agree. Pixels / 255;
// max label + 1 classes (so EMNIST's 26 or 47 classes read as they are).
absl::StatusOr<ImageDataset> LoadIdxDataset(const std::string& dir, bool train);

}  // namespace nas

#endif  // NAS_WORKER_DATA_FORMATS_IDX_H_
